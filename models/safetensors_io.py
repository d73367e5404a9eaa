"""Minimal safetensors writer/reader (no pip package here) and model export.

File layout: 8-byte little-endian header length N, N bytes of JSON
{"name": {"dtype": "F32"|"F16"|"BF16", "shape": [...], "data_offsets": [begin, end]},
 ..., "__metadata__": {str: str}}, padded with spaces to a multiple of 8,
then the raw little-endian tensor data (offsets relative to its start).
"""
import json
import struct

import numpy as np
import torch

_NP = {'F32': np.float32, 'F16': np.float16}
_SIZE = {'F32': 4, 'F16': 2, 'BF16': 2}


def write(path, tensors, metadata=None, dtype='F32'):
    """tensors: dict name -> torch tensor or ndarray (stored as dtype, in name order)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        arr = t.detach().cpu().float().numpy() if torch.is_tensor(t) else np.asarray(t, np.float32)
        if not np.all(np.isfinite(arr)):
            raise ValueError('%s: tensor %s has non-finite values' % (path, name))
        if dtype == 'BF16':
            bits = np.ascontiguousarray(arr, '<f4').view('<u4')
            # round to nearest even on the dropped 16 bits
            bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype('<u2')
            raw = bits.tobytes()
        else:
            raw = np.ascontiguousarray(arr, dtype=np.dtype(_NP[dtype]).newbyteorder('<')).tobytes()
            if dtype == 'F16' and not np.all(np.isfinite(np.frombuffer(raw, '<f2'))):
                raise ValueError('%s: tensor %s overflows F16' % (path, name))
        header[name] = {'dtype': dtype, 'shape': list(arr.shape),
                        'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    js = json.dumps(header, separators=(',', ':')).encode('utf-8')
    js += b' ' * (-len(js) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(js)))
        f.write(js)
        for raw in blobs:
            f.write(raw)


def read(path):
    """-> (dict name -> float32 torch tensor, metadata dict)."""
    with open(path, 'rb') as f:
        buf = f.read()
    if len(buf) < 8:
        raise ValueError('%s: too short for a safetensors header' % path)
    (n,) = struct.unpack('<Q', buf[:8])
    if 8 + n > len(buf):
        raise ValueError('%s: header length %d exceeds file size' % (path, n))
    header = json.loads(buf[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', {})
    data = buf[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info['data_offsets']
        dt, shape = info['dtype'], info['shape']
        if e > len(data) or e - b != int(np.prod(shape, dtype=np.int64)) * _SIZE[dt]:
            raise ValueError('%s: tensor %s has bad offsets' % (path, name))
        raw = data[b:e]
        if dt == 'BF16':
            arr = (np.frombuffer(raw, '<u2').astype('<u4') << 16).view('<f4')
        else:
            arr = np.frombuffer(raw, np.dtype(_NP[dt]).newbyteorder('<'))
        out[name] = torch.from_numpy(arr.astype(np.float32).reshape(shape))
    return out, meta


def model_metadata(model, mean, std, classes):
    meta = {
        'unravel.arch': 'cifar-resnet',
        'unravel.block': model.block_kind,
        'unravel.shortcut': model.shortcut_kind,
        'unravel.skip': 'true' if model.skip else 'false',
        'unravel.blocks_per_stage': str(model.n),
        'unravel.widths': ','.join(str(w) for w in model.widths),
        'unravel.mean': ','.join(repr(float(v)) for v in mean),
        'unravel.std': ','.join(repr(float(v)) for v in std),
        'unravel.classes': ','.join(classes),
    }
    if model.shortcut_kind == 'B':
        # Said explicitly, never inferred from which tensors are present (FORMAT.md).
        meta['unravel.shortcut_bn'] = 'true' if model.shortcut_bn else 'false'
    if model.residual_scale is not None:
        meta['unravel.residual_scale'] = ','.join(repr(float(p)) for p in model.residual_scale)
    return meta


def export_model(model, path, dtype='F32', mean=None, std=None, classes=None, extra_metadata=None):
    """Write model's state_dict (without num_batches_tracked) with FORMAT.md metadata."""
    from data import CLASSES, MEAN, STD
    mean = MEAN if mean is None else mean
    std = STD if std is None else std
    classes = CLASSES if classes is None else classes
    sd = {k: v for k, v in model.state_dict().items() if not k.endswith('num_batches_tracked')}
    meta = model_metadata(model, mean, std, classes)
    if extra_metadata:
        meta.update(extra_metadata)
    write(path, sd, meta, dtype)


def _floats(s):
    return [float(v) for v in s.split(',')]


def load_model(path):
    """Build a CifarResNet from an Unravel .safetensors file -> (model in eval mode, metadata)."""
    from cifar_resnet import CifarResNet
    tensors, meta = read(path)
    if meta.get('unravel.arch') != 'cifar-resnet':
        raise ValueError('%s: not an Unravel cifar-resnet model' % path)
    scale = meta.get('unravel.residual_scale')
    model = CifarResNet(block=meta['unravel.block'], shortcut=meta['unravel.shortcut'],
                        skip=meta['unravel.skip'] == 'true',
                        n=int(meta['unravel.blocks_per_stage']),
                        widths=[int(w) for w in meta['unravel.widths'].split(',')],
                        residual_scale=_floats(scale) if scale else None,
                        shortcut_bn=meta.get('unravel.shortcut_bn', 'true') == 'true')
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [m for m in missing if not m.endswith('num_batches_tracked')]
    if missing or unexpected:
        raise ValueError('%s: missing %s, unexpected %s' % (path, missing, unexpected))
    model.eval()
    return model, meta
