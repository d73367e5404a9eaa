"""CIFAR-10 reader for the official binary layout (training tooling side).

Accepts the cifar-10-binary.tar.gz tarball, the unpacked cifar-10-batches-bin
folder, or a single .bin batch.  Records are 3073 bytes: label, then 1024 R,
1024 G, 1024 B bytes.  A truncated or malformed batch raises ValueError.
The path defaults to the UNRAVEL_DATA environment variable.
"""
import functools
import hashlib
import os
import tarfile

import numpy as np

RECORD = 3073
TRAIN_BATCHES = ['data_batch_%d.bin' % i for i in range(1, 6)]
TEST_BATCH = 'test_batch.bin'
CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer',
           'dog', 'frog', 'horse', 'ship', 'truck']
# Channel statistics of the CIFAR-10 training set, on pixels in [0,1].
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


def default_path(path=None):
    path = path or os.environ.get('UNRAVEL_DATA')
    if not path:
        raise ValueError('no CIFAR-10 data: pass --data or set UNRAVEL_DATA')
    return path


def parse_batch(raw, name):
    """bytes of one .bin batch -> (images uint8 [N,3,32,32], labels int64 [N])."""
    if len(raw) == 0 or len(raw) % RECORD != 0:
        raise ValueError('%s: size %d is not a positive multiple of %d bytes'
                         % (name, len(raw), RECORD))
    arr = np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD)
    labels = arr[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise ValueError('%s: label %d out of range 0-9' % (name, labels.max()))
    images = arr[:, 1:].reshape(-1, 3, 32, 32).copy()
    return images, labels


def _read_members(path, names):
    """Raw bytes of the named batches from a tarball, folder or single .bin."""
    if os.path.isdir(path):
        base = path
        if os.path.isdir(os.path.join(path, 'cifar-10-batches-bin')):
            base = os.path.join(path, 'cifar-10-batches-bin')
        out = []
        for n in names:
            with open(os.path.join(base, n), 'rb') as f:
                out.append((n, f.read()))
        return out
    if path.endswith('.bin'):
        with open(path, 'rb') as f:
            return [(os.path.basename(path), f.read())]
    with tarfile.open(path, 'r:*') as tar:
        members = {os.path.basename(m.name): m for m in tar.getmembers() if m.isfile()}
        out = []
        for n in names:
            if n not in members:
                raise ValueError('%s: no member %s' % (path, n))
            out.append((n, tar.extractfile(members[n]).read()))
        return out


def load(split, path=None):
    """split 'train' (the 5 training batches) or 'test' (test_batch only). A file made by
    pack_data.py (.unrpack) is read as well, for machines that take only a small upload."""
    path = default_path(path)
    if path.endswith('.unrpack'):
        import pack_data
        return pack_data.read(path, split)
    names = TRAIN_BATCHES if split == 'train' else [TEST_BATCH]
    imgs, labs = [], []
    for name, raw in _read_members(path, names):
        i, l = parse_batch(raw, '%s:%s' % (path, name))
        imgs.append(i)
        labs.append(l)
    return np.concatenate(imgs), np.concatenate(labs)


def sha256_file(path):
    """sha256 of the data file (of each batch concatenated in name order for a folder)."""
    h = hashlib.sha256()
    if os.path.isdir(path):
        for n in TRAIN_BATCHES + [TEST_BATCH]:
            for p in (os.path.join(path, n), os.path.join(path, 'cifar-10-batches-bin', n)):
                if os.path.exists(p):
                    with open(p, 'rb') as f:
                        h.update(f.read())
        return h.hexdigest()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


@functools.lru_cache(maxsize=None)
def _normalisation(mean, std, device):
    """Mean and std as [1,3,1,1] tensors on device, made once: a GPU would wait for its queued
    work at every copy of new ones."""
    import torch
    m = torch.tensor(mean, dtype=torch.float32, device=device).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=torch.float32, device=device).view(1, 3, 1, 1)
    return m, s


def normalise(images_u8, mean=MEAN, std=STD):
    """uint8 torch tensor [B,3,32,32] -> float32 normalised."""
    m, s = _normalisation(tuple(mean), tuple(std), images_u8.device)
    return (images_u8.float() / 255.0 - m) / s
