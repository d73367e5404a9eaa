#!/usr/bin/python3
"""Pack CIFAR-10 into one compact file for a training machine that accepts only a small upload
(the GPU lent here takes 64 MiB per call; the tarball is 163 MB).

Each image is re-encoded as a JPEG at --quality, with --subsampling 444 (none, the default) or
420. Measured on the workplace copy (2026-12-03): quality 95, 4:4:4 gives 40.2 MB for all 60000
images, mean |pixel change| 0.72 levels (PSNR 46.8 dB); 4:2:0 gives 33.8 MB, 0.83 (44.9 dB). The copy in this
workplace is JPEG-derived already, so a high quality changes little: the script prints the size
and what re-encoding changes (mean absolute pixel difference, PSNR) so the choice is measured.
Never commit the packed file: it is CIFAR-10 data. models/data.py reads it wherever it reads the
tarball (train.py --data FILE.unrpack).

Every image's JPEG headers (quantisation and Huffman tables, frame and scan headers) are the
same bytes at one quality, about 600 bytes against about 800 of image data: they are stored once
per split, and each image keeps only its entropy-coded scan.

Layout (little-endian): b'UNRPACK2', then for the splits 'train' and 'test' in that order:
u32 count, count label bytes, u32 header length, the shared JPEG header (through the SOS
segment), count+1 u32 offsets into the scan blob, u32 blob length, the blob.

  /usr/bin/python3 models/pack_data.py --data ../shared/cifar10/cifar-10-binary.tar.gz \\
      --out /tmp/cifar10.unrpack --quality 95
"""
import argparse
import io
import os
import struct
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402

MAGIC = b'UNRPACK2'


def split_jpeg(jpeg):
    """-> (headers through the SOS segment, entropy-coded data to the end)."""
    at = 2  # after SOI
    while True:
        if jpeg[at] != 0xFF:
            raise ValueError('unexpected JPEG layout at byte %d' % at)
        marker, length = jpeg[at + 1], int.from_bytes(jpeg[at + 2:at + 4], 'big')
        at += 2 + length
        if marker == 0xDA:  # start of scan: the rest is image data
            return jpeg[:at], jpeg[at:]


def encode(images, quality, subsampling):
    """uint8 [N,3,32,32] -> (shared header, offsets [N+1], blob of scans)."""
    blob, offsets, header = io.BytesIO(), [0], None
    for i, img in enumerate(images):
        one = io.BytesIO()
        Image.fromarray(img.transpose(1, 2, 0)).save(one, 'JPEG', quality=quality,
                                                     subsampling={'444': 0, '420': 2}[subsampling])
        head, scan = split_jpeg(one.getvalue())
        if header is None:
            header = head
        elif head != header:
            raise ValueError('image %d: JPEG headers differ from the first image\'s' % i)
        blob.write(scan)
        offsets.append(blob.tell())
    return header, np.asarray(offsets, np.uint32), blob.getvalue()


def decode(header, offsets, blob):
    out = np.empty((len(offsets) - 1, 3, 32, 32), np.uint8)
    for i in range(len(offsets) - 1):
        img = Image.open(io.BytesIO(header + blob[offsets[i]:offsets[i + 1]])).convert('RGB')
        out[i] = np.asarray(img).transpose(2, 0, 1)
    return out


def write(path, splits, quality, subsampling):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + '.tmp', 'wb') as f:
        f.write(MAGIC)
        for name in ('train', 'test'):
            images, labels = splits[name]
            header, offsets, blob = encode(images, quality, subsampling)
            f.write(struct.pack('<I', len(labels)))
            f.write(labels.astype(np.uint8).tobytes())
            f.write(struct.pack('<I', len(header)))
            f.write(header)
            f.write(offsets.astype('<u4').tobytes())
            f.write(struct.pack('<I', len(blob)))
            f.write(blob)
    os.replace(path + '.tmp', path)


def read(path, split):
    """-> (images uint8 [N,3,32,32], labels int64 [N]) of one split of a packed file."""
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[:8] != MAGIC:
        raise ValueError('%s: not a packed CIFAR-10 file (no %r magic)' % (path, MAGIC))
    at = 8
    for name in ('train', 'test'):
        try:
            (count,) = struct.unpack_from('<I', raw, at)
            labels = np.frombuffer(raw, np.uint8, count, at + 4)
            at += 4 + count
            (header_len,) = struct.unpack_from('<I', raw, at)
            header = raw[at + 4:at + 4 + header_len]
            at += 4 + header_len
            offsets = np.frombuffer(raw, '<u4', count + 1, at)
            at += 4 * (count + 1)
            (blob_len,) = struct.unpack_from('<I', raw, at)
        except (struct.error, ValueError) as e:
            raise ValueError('%s: truncated in the %s split (%s)' % (path, name, e))
        start = at + 4
        if (len(header) != header_len or start + blob_len > len(raw) or offsets[-1] != blob_len
                or np.any(np.diff(offsets.astype(np.int64)) < 0) or labels.max(initial=0) > 9):
            raise ValueError('%s: the %s split is truncated or malformed' % (path, name))
        if name == split:
            return decode(header, offsets, raw[start:start + blob_len]), labels.astype(np.int64)
        at = start + blob_len
    raise ValueError('%s: no split %s' % (path, split))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', default=None, help='CIFAR-10 tarball/folder (default $UNRAVEL_DATA)')
    p.add_argument('--out', required=True)
    p.add_argument('--quality', type=int, default=95)
    p.add_argument('--subsampling', choices=['444', '420'], default='444')
    args = p.parse_args()
    splits = {s: data.load(s, args.data) for s in ('train', 'test')}
    write(args.out, splits, args.quality, args.subsampling)
    for s in ('train', 'test'):
        back, labels = read(args.out, s)
        diff = np.abs(back.astype(np.int16) - splits[s][0].astype(np.int16))
        mse = float((diff.astype(np.float64) ** 2).mean())
        print('%s: %d images, mean |pixel change| %.3f, max %d, PSNR %.1f dB, labels equal: %s' % (
            s, len(labels), diff.mean(), diff.max(), 10 * np.log10(255 ** 2 / mse) if mse else float('inf'),
            bool((labels == splits[s][1]).all())))
    print('%s: %.1f MB at quality %d, chroma %s' % (args.out, os.path.getsize(args.out) / 1e6,
                                                    args.quality, args.subsampling))


if __name__ == '__main__':
    main()
