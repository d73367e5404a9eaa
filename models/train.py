#!/usr/bin/python3
"""Train a CIFAR-10 ResNet of the Unravel zoo and export it (models/FORMAT.md).

Recipe: pad-4 random crop + horizontal flip, SGD (momentum 0.9, Nesterov),
weight decay 5e-4, batch 128, one-cycle learning rate (warm-up then cosine
decay), seeded.  Trains on the 50000 training images only; the test batch is
evaluated for the log and the final summary and never used to pick anything.
Checkpoints every epoch into --ckpt-dir; rerunning the same command resumes.

Needs Debian's python3-torch: run with /usr/bin/python3.
Example:
  /usr/bin/python3 models/train.py --arch resnet20 --epochs 30 \
      --data ../shared/cifar10/cifar-10-binary.tar.gz --out models/resnet20.safetensors
"""
import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from cifar_resnet import ARCHS, CifarResNet, build_arch, linear_decay_survival  # noqa: E402
from safetensors_io import export_model, load_model  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--arch', choices=sorted(ARCHS), help='zoo network (or use --block/--n/...)')
    p.add_argument('--block', choices=['preact', 'postact'], default='preact')
    p.add_argument('--shortcut', choices=['A', 'B'], default='A')
    p.add_argument('--n', type=int, default=3, help='blocks per stage')
    p.add_argument('--no-skip', action='store_true', help='plain network')
    p.add_argument('--sd', type=float, default=None, help='stochastic depth p_L (linear decay)')
    p.add_argument('--epochs', type=int, default=30)
    p.add_argument('--budget-min', type=float, default=0,
                   help='wall-clock training budget in minutes: the one-cycle runs over elapsed '
                        'time instead of steps and training stops when it is spent (for a shared '
                        'CPU whose speed is unknown in advance); --epochs is then only a cap')
    p.add_argument('--lr', type=float, default=0.2, help='peak learning rate of the one-cycle')
    p.add_argument('--warmup', type=float, default=0.15, help='fraction of steps warming up')
    p.add_argument('--wd', type=float, default=5e-4)
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--label-smoothing', type=float, default=0.0)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--eval-every', type=int, default=1, help='log test accuracy every k epochs')
    p.add_argument('--amp', choices=['auto', 'bf16', 'off'], default='auto',
                   help='bfloat16 autocast (weights, optimizer and evaluation stay float32); auto: '
                        'on where the hardware computes bf16 natively (CPU AMX / AVX512-BF16, CUDA)')
    p.add_argument('--max-steps', type=int, default=0, help='stop after this many steps (timing)')
    p.add_argument('--dtype', choices=['F32', 'F16'], default='F32')
    p.add_argument('--data', default=None, help='CIFAR-10 tarball/folder (default $UNRAVEL_DATA)')
    p.add_argument('--out', required=True, help='exported .safetensors path')
    p.add_argument('--ckpt-dir', default=None, help='checkpoint folder (default models/checkpoints/<name>)')
    return p.parse_args(argv)


def make_model(args):
    if args.arch:
        return build_arch(args.arch)
    L = 3 * args.n
    probs = linear_decay_survival(L, args.sd) if args.sd is not None else None
    return CifarResNet(block=args.block, shortcut=args.shortcut, skip=not args.no_skip,
                       n=args.n, residual_scale=probs, survival=probs)


def augment(batch_u8, gen):
    """Pad 4 (zeros), random 32x32 crop, random horizontal flip; uint8 in, uint8 out."""
    B = batch_u8.shape[0]
    padded = torch.nn.functional.pad(batch_u8, (4, 4, 4, 4))
    oy = torch.randint(0, 9, (B,), generator=gen)
    ox = torch.randint(0, 9, (B,), generator=gen)
    ar = torch.arange(32)
    rows = (oy[:, None] + ar)[:, None, :, None]
    cols = (ox[:, None] + ar)[:, None, None, :]
    flip = torch.rand(B, generator=gen) < 0.5
    cols = torch.where(flip[:, None, None, None], cols.flip(-1), cols)
    bi = torch.arange(B)[:, None, None, None]
    ci = torch.arange(3)[None, :, None, None]
    return padded[bi, ci, rows, cols]


@torch.no_grad()
def evaluate(model, images, labels, device, batch=500):
    model.eval()
    correct = 0
    for i in range(0, len(images), batch):
        x = data.normalise(images[i:i + batch]).to(device).contiguous(memory_format=torch.channels_last)
        correct += (model(x).argmax(1).cpu() == labels[i:i + batch]).sum().item()
    return correct / len(images)


def cpuinfo_field(name):
    """The first value of a /proc/cpuinfo field ('model name', 'flags'), or '' where there is none."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.split(':', 1)[0].strip() == name:
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return ''


def native_bf16(device):
    """True where bf16 convolutions run natively: about 2x faster than float32 on a CPU with
    AMX (measured on the 2-core Xeon here: ResNet-56 253 -> 510 img/s)."""
    if device.type == 'cuda':
        return torch.cuda.is_bf16_supported()
    flags = cpuinfo_field('flags').split()
    return 'amx_bf16' in flags or 'avx512_bf16' in flags


def hardware(device):
    if device.type == 'cuda':
        return torch.cuda.get_device_name(0)
    cpu = cpuinfo_field('model name') or platform.processor() or platform.machine()
    return '%s, %d threads' % (cpu, torch.get_num_threads())


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    name = os.path.splitext(os.path.basename(args.out))[0]
    ckpt_dir = args.ckpt_dir or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                             'checkpoints', name)
    os.makedirs(ckpt_dir, exist_ok=True)
    ckpt_path = os.path.join(ckpt_dir, 'last.pt')

    data_path = data.default_path(args.data)
    xtr, ytr = data.load('train', data_path)
    xte, yte = data.load('test', data_path)
    xtr, ytr = torch.from_numpy(xtr), torch.from_numpy(ytr)
    xte, yte = torch.from_numpy(xte), torch.from_numpy(yte)

    model = make_model(args).to(device).to(memory_format=torch.channels_last)
    use_bf16 = args.amp == 'bf16' or (args.amp == 'auto' and native_bf16(device))
    decay = [p for n_, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n_, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.SGD([{'params': decay, 'weight_decay': args.wd},
                           {'params': no_decay, 'weight_decay': 0.0}],
                          lr=args.lr, momentum=0.9, nesterov=True)
    steps_per_epoch = len(xtr) // args.batch  # drop the ragged last batch
    total_steps = args.epochs * steps_per_epoch
    budget_s = args.budget_min * 60.0

    def lr_at(progress):
        """One-cycle: linear warm-up from lr/10, cosine decay to lr/1000."""
        progress = min(max(progress, 0.0), 1.0)
        if progress < args.warmup:
            return args.lr * (0.1 + 0.9 * progress / args.warmup)
        t = (progress - args.warmup) / (1.0 - args.warmup)
        return args.lr * (0.001 + 0.999 * 0.5 * (1.0 + math.cos(math.pi * t)))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)

    start_epoch, elapsed, history, step_count = 0, 0.0, [], 0
    done = False
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=device)
        model.load_state_dict(ck['model'])
        opt.load_state_dict(ck['opt'])
        torch.set_rng_state(ck['rng'])
        start_epoch, elapsed, history = ck['epoch'], ck['elapsed'], ck['history']
        step_count = ck['steps']
        print('resumed from %s at epoch %d' % (ckpt_path, start_epoch), flush=True)

    print('training %s: %d params, %d epochs, device %s (%s), %s' % (
        name, sum(p.numel() for p in model.parameters()), args.epochs, device,
        hardware(device), 'bf16 autocast' if use_bf16 else 'float32'), flush=True)
    for epoch in range(start_epoch, args.epochs):
        if done:
            break
        model.train()
        gen = torch.Generator().manual_seed(args.seed * 1000 + epoch)  # same order on resume
        perm = torch.randperm(len(xtr), generator=gen)
        t0, cpu0 = time.time(), time.process_time()
        tot_loss, tot_correct, seen = 0.0, 0, 0
        for step in range(steps_per_epoch):
            idx = perm[step * args.batch:(step + 1) * args.batch]
            x = data.normalise(augment(xtr[idx], gen)).to(device)
            x = x.contiguous(memory_format=torch.channels_last)
            y = ytr[idx].to(device)
            if budget_s:
                progress = (elapsed + time.time() - t0) / budget_s
            else:
                progress = step_count / total_steps
            lr = lr_at(progress)
            for g in opt.param_groups:
                g['lr'] = lr
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                out = model(x).float()
            loss = loss_fn(out, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step_count += 1
            tot_loss += loss.item() * len(idx)
            tot_correct += (out.argmax(1) == y).sum().item()
            seen += len(idx)
            if args.max_steps and step + 1 >= args.max_steps:
                dt = time.time() - t0
                print('timing: %d steps in %.1fs = %.0f img/s, %.1f s/epoch' % (
                    step + 1, dt, seen / dt, dt / (step + 1) * steps_per_epoch), flush=True)
                return
            if budget_s and time.time() - t0 + elapsed >= budget_s:
                done = True  # budget spent: stop mid-epoch, the lr has reached its floor
                break
        dt = time.time() - t0
        elapsed += dt
        rec = {'epoch': epoch + 1, 'loss': tot_loss / seen, 'train_acc': tot_correct / seen,
               'lr': lr, 'steps': step_count, 'img_per_s': seen / dt, 'elapsed_s': round(elapsed, 1),
               'cpu_cores_used': round((time.process_time() - cpu0) / dt, 2)}
        if (epoch + 1) % args.eval_every == 0 or epoch + 1 == args.epochs:
            # Logged for the record only; nothing is ever selected on it.
            rec['test_acc'] = evaluate(model, xte, yte, device)
        history.append(rec)
        print(json.dumps(rec), flush=True)
        torch.save({'model': model.state_dict(), 'opt': opt.state_dict(),
                    'steps': step_count, 'rng': torch.get_rng_state(),
                    'epoch': epoch + 1, 'elapsed': elapsed, 'history': history},
                   ckpt_path + '.tmp')
        os.replace(ckpt_path + '.tmp', ckpt_path)

    # The final model is the last epoch's: no selection at all.
    model = model.to('cpu').to(memory_format=torch.contiguous_format).eval()
    test_acc = evaluate(model, xte, yte, torch.device('cpu'))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    export_model(model, args.out, dtype=args.dtype)
    test_acc_f32 = test_acc
    if args.dtype != 'F32':
        # The card reports the shipped file: PyTorch evaluates the weights as rounded on export.
        test_acc = evaluate(load_model(args.out)[0], xte, yte, torch.device('cpu'))
    summary = {
        'name': name, 'arch': args.arch, 'block': model.block_kind, 'shortcut': model.shortcut_kind,
        'skip': model.skip, 'blocks_per_stage': model.n, 'residual_scale': model.residual_scale,
        'params': sum(p.numel() for p in model.parameters()), 'epochs_cap': args.epochs,
        'batch': args.batch, 'lr': args.lr, 'weight_decay': args.wd, 'seed': args.seed,
        'label_smoothing': args.label_smoothing,
        'precision': 'bf16 autocast, float32 weights' if use_bf16 else 'float32', 'schedule': 'one-cycle over %s, warm-up %.2f, cosine' % (
            '%g min of wall-clock time' % args.budget_min if budget_s else 'steps', args.warmup),
        'steps': step_count, 'epochs_done': round(step_count / steps_per_epoch, 2),
        'train_time_s': round(elapsed, 1), 'hardware': hardware(device),
        'torch': torch.__version__, 'data': os.path.basename(data_path),
        'data_sha256': data.sha256_file(data_path), 'pytorch_test_acc': test_acc,
        'pytorch_test_acc_f32': test_acc_f32,
        'file': os.path.basename(args.out), 'bytes': os.path.getsize(args.out), 'dtype': args.dtype,
        'history': history,
    }
    with open(os.path.splitext(args.out)[0] + '.json', 'w') as f:
        json.dump(summary, f, indent=1)
    print('exported %s (%s): test accuracy %.4f (PyTorch; float32 weights %.4f), %.0f s training' % (
        args.out, args.dtype, test_acc, test_acc_f32, elapsed), flush=True)


if __name__ == '__main__':
    main()
