#!/usr/bin/python3
"""test_import_torch.py [UNRAVEL_CLI] - models/import_torch.py on generated checkpoints of every
layout it reads (each written as a state dict, a DataParallel checkpoint dict, a {'net': ...}
dict and a whole pickled module), and on the public akamaster checkpoints when
../shared/reference/akamaster (or UNRAVEL_REFERENCE) holds them at run time (never committed).

Each converted file must give the original network's logits (PyTorch definition of the source
code's layout vs models/cifar_resnet.py reading the converted file) and, with the CLI, the
engine must predict what the original network predicts. Errors must name the tensor. Exit 77
(skip) without torch.
"""
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print('SKIP: no torch for this python (%s)' % sys.executable)
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import ROOT, check, finish  # noqa: E402  (and models/ on the import path)
import import_torch  # noqa: E402
from safetensors_io import load_model  # noqa: E402

CLI = sys.argv[1] if len(sys.argv) > 1 else None


# ---- the source code bases' layouts (as their public code defines them) ---------------------

class AkaBlock(nn.Module):
    """akamaster/pytorch_resnet_cifar10 BasicBlock: option A (lambda) or B (Sequential conv, bn)."""

    def __init__(self, w_in, w, stride, option):
        super().__init__()
        self.conv1 = nn.Conv2d(w_in, w, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.conv2 = nn.Conv2d(w, w, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(w)
        self.pad = None
        self.shortcut = nn.Sequential()
        if stride != 1 or w_in != w:
            if option == 'A':
                self.pad = (w - w_in) // 2
            else:
                self.shortcut = nn.Sequential(nn.Conv2d(w_in, w, 1, stride, bias=False), nn.BatchNorm2d(w))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        s = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad)) if self.pad is not None else self.shortcut(x)
        return F.relu(out + s)


class DownsampleBlock(nn.Module):
    """The torchvision-style post-activation block: projection named downsample.{0,1}."""

    def __init__(self, w_in, w, stride, option):
        super().__init__()
        self.conv1 = nn.Conv2d(w_in, w, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.conv2 = nn.Conv2d(w, w, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(w)
        self.downsample = None
        if stride != 1 or w_in != w:
            self.downsample = nn.Sequential(nn.Conv2d(w_in, w, 1, stride, bias=False), nn.BatchNorm2d(w))

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


class PreActBlock(nn.Module):
    """kuangliu/pytorch-cifar PreActBlock: conv-only projection on the activated input."""

    def __init__(self, w_in, w, stride, option):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(w_in)
        self.conv1 = nn.Conv2d(w_in, w, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(w)
        self.conv2 = nn.Conv2d(w, w, 3, 1, 1, bias=False)
        if stride != 1 or w_in != w:
            self.shortcut = nn.Sequential(nn.Conv2d(w_in, w, 1, stride, bias=False))

    def forward(self, x):
        out = F.relu(self.bn1(x))
        s = self.shortcut(out) if hasattr(self, 'shortcut') else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + s


class SourceNet(nn.Module):
    def __init__(self, block, n, widths=(16, 32, 64), option='A', head='linear', final='bn'):
        super().__init__()
        self.preact = block is PreActBlock
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        if not self.preact:
            self.bn1 = nn.BatchNorm2d(widths[0])
        w_in = widths[0]
        for s, w in enumerate(widths, start=1):
            layers = []
            for b in range(n):
                layers.append(block(w_in, w, 2 if s > 1 and b == 0 else 1, option))
                w_in = w
            setattr(self, 'layer%d' % s, nn.Sequential(*layers))
        self.final = final
        if self.preact:
            setattr(self, final, nn.BatchNorm2d(w_in))
        self.head = head
        setattr(self, head, nn.Linear(w_in, 10))

    def forward(self, x):
        x = self.conv1(x)
        if not self.preact:
            x = F.relu(self.bn1(x))
        x = self.layer3(self.layer2(self.layer1(x)))
        if self.preact:
            x = F.relu(getattr(self, self.final)(x))
        return getattr(self, self.head)(F.adaptive_avg_pool2d(x, 1).flatten(1))


def randomise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))
    return model.eval()


# ---- checks --------------------------------------------------------------------------------

IMAGES = torch.randn(16, 3, 32, 32, generator=torch.Generator().manual_seed(5))
MEAN, STD = (0.5, 0.45, 0.4), (0.25, 0.24, 0.26)


def cifar_records(n, seed, mean, std):
    """Synthetic CIFAR records (not CIFAR data) and their normalised float images."""
    g = torch.Generator().manual_seed(seed)
    pixels = torch.randint(0, 256, (n, 3, 32, 32), generator=g, dtype=torch.uint8)
    x = pixels.float() / 255
    x = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    return pixels, x


def engine_agrees(out_file, reference, what, tmp, mean=MEAN, std=STD):
    """The native engine predicts what the source network predicts (labels := its argmax)."""
    if not CLI:
        return
    pixels, x = cifar_records(64, 9, mean, std)
    with torch.no_grad():
        logits = reference(x)
    top2 = logits.topk(2, 1).values
    clear = (top2[:, 0] - top2[:, 1]) > 1e-3
    labels = logits.argmax(1)
    records = torch.cat([labels.to(torch.uint8).view(-1, 1), pixels.view(64, -1)], 1)
    data = os.path.join(tmp, 'records.bin')
    with open(data, 'wb') as f:
        f.write(records.numpy().tobytes())
    r = subprocess.run([CLI, 'eval', out_file, '--data', data, '--json', '--threads', '1'],
                       capture_output=True, text=True)
    if not check(r.returncode == 0, '%s: unravel eval failed: %s' % (what, r.stderr.strip())):
        return
    acc = json.loads(r.stdout)['accuracy']
    check(acc >= clear.float().mean().item() - 1e-9,
          '%s: the engine agrees with the source network on %.3f of the images (%.3f are clear)' % (
              what, acc, clear.float().mean().item()))


def same_logits(reference, out_file, what, tol=1e-4):
    converted, _ = load_model(out_file)
    with torch.no_grad():
        want, got = reference(IMAGES), converted(IMAGES)
    diff = (want - got).abs().max().item()
    check(diff <= tol * (1 + want.abs().max().item()), '%s: logits differ by %.3g' % (what, diff))


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_cli(*args):
    """import_torch's command line, run in this process (a python start with torch costs seconds)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = import_torch.main(list(args))
        except SystemExit as e:
            code = e.code
    return Result(code, out.getvalue(), err.getvalue())


def wrappings(sd, model):
    """The ways checkpoints hold weights: name -> object given to torch.save."""
    dp = {'module.' + k: v for k, v in sd.items()}
    return {'state_dict': sd, 'dataparallel': {'epoch': 200, 'best_prec1': 91.0, 'state_dict': dp},
            'net': {'net': sd, 'acc': 90.0}, 'module': model}


def test_layouts(tmp):
    layouts = [
        ('akamaster option A', AkaBlock, dict(option='A'), 'postact', 'A'),
        ('akamaster option B', AkaBlock, dict(option='B'), 'postact', 'B'),
        ('downsample projection', DownsampleBlock, dict(head='fc'), 'postact', 'B'),
        ('pre-activation conv-only projection', PreActBlock, dict(final='bn'), 'preact', 'B'),
        ('pre-activation bn_final, fc', PreActBlock, dict(final='bn_final', head='fc'), 'preact', 'B'),
    ]
    for i, (what, block, kw, want_block, want_shortcut) in enumerate(layouts):
        ref = randomise(SourceNet(block, n=2, widths=(8, 12, 16), **kw), seed=i)
        for how, obj in wrappings(ref.state_dict(), ref).items():
            ck = os.path.join(tmp, 'ck_%d_%s.pt' % (i, how))
            out = os.path.join(tmp, 'out_%d_%s.safetensors' % (i, how))
            torch.save(obj, ck)
            # (a pickled module loads here because its class is defined in this process)
            r = run_cli(ck, out, '--mean', ','.join(map(str, MEAN)), '--std', ','.join(map(str, STD)))
            if not check(r.returncode == 0, '%s (%s): exit %s: %s' % (what, how, r.returncode, r.stderr.strip())):
                continue
            check(('%s, shortcut %s' % (want_block, want_shortcut)) in r.stdout, '%s: %s' % (what, r.stdout.strip()))
            same_logits(ref, out, '%s (%s)' % (what, how))
        engine_agrees(out, ref, what, tmp)

    # plain networks look like option A: --plain says which
    ref = randomise(SourceNet(AkaBlock, n=1, widths=(8, 12, 16), option='A'), seed=11)
    ck = os.path.join(tmp, 'plain.pt')
    torch.save(ref.state_dict(), ck)
    r = run_cli(ck, os.path.join(tmp, 'plain.safetensors'), '--preset', 'cifar10', '--plain')
    check(r.returncode == 0 and '(plain)' in r.stdout, '--plain: %s %s' % (r.stdout, r.stderr))
    _, meta = load_model(os.path.join(tmp, 'plain.safetensors'))
    check(meta['unravel.skip'] == 'false' and meta['unravel.mean'].startswith('0.4914'), '--plain metadata %s' % meta)


def test_errors(tmp):
    ref = randomise(SourceNet(AkaBlock, n=1, widths=(8, 12, 16)), seed=3)
    sd = ref.state_dict()
    mean_std = ['--mean', '0.5,0.5,0.5', '--std', '0.2,0.2,0.2']
    cases = {
        'unknown tensor': ({**sd, 'layer2.0.se.fc.weight': torch.zeros(4, 4)}, 'tensor layer2.0.se.fc.weight fits no supported layout'),
        'missing BN': ({k: v for k, v in sd.items() if k != 'layer1.0.bn2.running_var'}, 'tensor layer1.0.bn2.running_var is missing'),
        'four stages': ({**sd, 'layer4.0.conv1.weight': torch.zeros(16, 16, 3, 3)}, 'expected 3 stages'),
        'wrong shape': ({**sd, 'linear.weight': torch.zeros(10, 15)}, 'tensor linear.weight has shape [10, 15], expected [10, 16]'),
        'projection in a non-downsampling block': ({**sd, 'layer1.0.shortcut.0.weight': torch.zeros(8, 8, 1, 1)}, 'layer1.0.shortcut.0.weight is a projection shortcut in a block that does not downsample'),
        'no tensors': ({'epoch': 3}, 'holds no state dict'),
    }
    pre = randomise(SourceNet(PreActBlock, n=1, widths=(8, 12, 16)), seed=4).state_dict()
    raw = {k.replace('shortcut.0', 'downsample.0'): v for k, v in pre.items()}
    cases['pre-activation downsample on the raw input'] = (raw, 'layer2.0.downsample.0.weight: a pre-activation downsample on the raw input')
    for what, (obj, want) in cases.items():
        ck = os.path.join(tmp, 'bad.pt')
        torch.save(obj, ck)
        r = run_cli(ck, os.path.join(tmp, 'bad.safetensors'), *mean_std)
        check(r.returncode == 1 and want in r.stderr and ck in r.stderr,
              '%s: exit %d, stderr %r lacks %r' % (what, r.returncode, r.stderr.strip(), want))
    with open(os.path.join(tmp, 'text.pt'), 'w') as f:
        f.write('not a checkpoint')
    r = run_cli(os.path.join(tmp, 'text.pt'), os.path.join(tmp, 'x.safetensors'), *mean_std)
    check(r.returncode == 1 and 'not a PyTorch checkpoint' in r.stderr, 'text file: %s' % r.stderr.strip())
    torch.save(sd, os.path.join(tmp, 'ok.pt'))
    r = run_cli(os.path.join(tmp, 'ok.pt'), os.path.join(tmp, 'x.safetensors'))
    check(r.returncode == 2 and '--mean and --std' in r.stderr, 'no normalisation: %s' % r.stderr.strip())


def test_akamaster(tmp):
    ref_dir = os.environ.get('UNRAVEL_REFERENCE') or os.path.join(os.path.dirname(ROOT), 'shared', 'reference')
    ref_dir = os.path.join(ref_dir, 'akamaster')
    files = sorted(f for f in os.listdir(ref_dir) if f.endswith('.th')) if os.path.isdir(ref_dir) else []
    if not files:
        print('no akamaster checkpoints in %s: only generated checkpoints tested' % ref_dir)
        return
    for f in files[:2]:  # resnet20 and resnet32: the deeper ones only take longer
        path = os.path.join(ref_dir, f)
        out = os.path.join(tmp, f.replace('.th', '.safetensors'))
        r = run_cli(path, out, '--preset', 'akamaster')
        if not check(r.returncode == 0, '%s: %s' % (f, r.stderr.strip())):
            continue
        sd = import_torch.load_state_dict(path)
        n = 1 + max(int(k.split('.')[1]) for k in sd if k.startswith('layer1.'))
        ref = SourceNet(AkaBlock, n=n, option='A')
        ref.load_state_dict({k: v for k, v in sd.items()})
        ref.eval()
        same_logits(ref, out, f)
        engine_agrees(out, ref, f, tmp, *import_torch.PRESETS['akamaster'])
        print('%s: converted, n=%d, compared with the source definition' % (f, n))


torch.set_num_threads(2)
with tempfile.TemporaryDirectory() as tmp:
    test_layouts(tmp)
    test_errors(tmp)
    test_akamaster(tmp)
finish('import_torch')
