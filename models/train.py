#!/usr/bin/python3
"""Train a CIFAR-10 ResNet of the Unravel zoo and export it (models/FORMAT.md).

Recipe: pad-4 random crop + horizontal flip, SGD (momentum 0.9, Nesterov),
weight decay 5e-4, batch 128, one-cycle learning rate (warm-up then cosine
decay) over a fixed number of epochs, seeded.  A run is defined by its
arguments alone (architecture, epochs, schedule, seed): the same command gives
the same schedule and data order on any machine (weights are not bit-identical
across CPUs or with bf16 autocast).

Durable, resumable anywhere: after every epoch the whole training state
(weights, BatchNorm statistics, momentum, epoch, history) is written atomically
to --state (default models/training/<name>.pt, a file tracked by git).  Commit
it, and the same command on another machine that has only the repository
continues where it stopped; the state file is removed once the model is exported.
--deadline stops before an epoch that would end after a given time (a machine
lent for a fixed time), --stop-after after a number of epochs in this process (a
job that trains in chunks); the state is saved as after any epoch.  A state written by a different run definition is
refused, never silently mixed.  When the last epoch is done the model is
exported to --out with a summary JSON beside it; rerunning then does nothing.

--val N holds out N training images (a seeded choice) to make recipe choices
on; the test batch is evaluated for the log only and never used to pick
anything.  Short-path training (resnet110-short) is such a choice: with --val,
each logged epoch also measures the validation accuracy with the residual
branches scaled by train_blocks/L, and the summary records which test-time
rule won on the last epoch (test_scale_choice); --test-scale then ships a
network with that rule (from such a pilot's summary) or a stated one.

Needs Debian's python3-torch: run with /usr/bin/python3.
Example:
  nice -n 19 /usr/bin/python3 models/train.py --arch resnet20 --epochs 60 \
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
    p.add_argument('--shortcut-bn', choices=['true', 'false'], default='true',
                   help='option B: whether the projection has its own BatchNorm')
    p.add_argument('--epochs', type=int, default=30)
    p.add_argument('--val', type=int, default=0,
                   help='hold out this many training images as a validation split (seeded)')
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
    p.add_argument('--deadline', type=float, default=0,
                   help='Unix time: stop (state saved) before an epoch that would end after it; '
                        'for machines lent for a fixed time. Not part of the run definition')
    p.add_argument('--stop-after', type=int, default=0,
                   help='stop (state saved) after this many epochs in this process; the next '
                        'run continues. Not part of the run definition')
    p.add_argument('--limit-train', type=int, default=0,
                   help='use only the first N training images (smoke tests of the recipe)')
    p.add_argument('--dtype', choices=['F32', 'F16'], default='F32')
    p.add_argument('--test-scale', default='1',
                   help="short-path nets: the residual branches' test-time scale in the exported "
                        "file: '1', 'fraction' (train_blocks/L) or a pilot run's summary JSON, "
                        "whose validation choice is taken. Not part of the run definition")
    p.add_argument('--data', default=None, help='CIFAR-10 tarball/folder (default $UNRAVEL_DATA)')
    p.add_argument('--out', required=True, help='exported .safetensors path')
    p.add_argument('--state', default=None,
                   help='resumable training state, rewritten every epoch (default '
                        'models/training/<name>.pt; commit it to continue on another machine)')
    return p.parse_args(argv)


# The arguments that define a run: a state file written under other values is refused.
DEFINING = ('arch', 'block', 'shortcut', 'shortcut_bn', 'n', 'no_skip', 'sd', 'epochs', 'val',
            'lr', 'warmup', 'wd', 'batch', 'label_smoothing', 'seed', 'limit_train')


def run_definition(args):
    return {k: getattr(args, k) for k in DEFINING}


def make_model(args):
    if args.arch:
        return build_arch(args.arch)
    L = 3 * args.n
    probs = linear_decay_survival(L, args.sd) if args.sd is not None else None
    return CifarResNet(block=args.block, shortcut=args.shortcut, skip=not args.no_skip,
                       n=args.n, residual_scale=probs, survival=probs,
                       shortcut_bn=args.shortcut_bn == 'true')


def augment_draws(gen, steps, batch):
    """An epoch's crop offsets (rows, columns) and flips, [steps, batch] each, drawn from the CPU
    generator gen in the order of one step after another (rows, columns, flips), so that a run
    sees the same crops and flips on a CPU and on a GPU. Drawn for the whole epoch at once: a
    GPU then gets them in one copy, where a copy per step would make it wait for the queued
    work each time."""
    oy, ox, flip = [], [], []
    for _ in range(steps):
        oy.append(torch.randint(0, 9, (batch,), generator=gen))
        ox.append(torch.randint(0, 9, (batch,), generator=gen))
        flip.append(torch.rand(batch, generator=gen) < 0.5)
    return torch.stack(oy), torch.stack(ox), torch.stack(flip)


def augment(batch_u8, oy, ox, flip):
    """Pad 4 (zeros), 32x32 crop at rows oy, columns ox, horizontal flip where flip; uint8 in,
    uint8 out, all on the batch's device."""
    B, dev = batch_u8.shape[0], batch_u8.device
    padded = torch.nn.functional.pad(batch_u8, (4, 4, 4, 4))
    ar = torch.arange(32, device=dev)
    rows = (oy[:, None] + ar)[:, None, :, None]
    cols = (ox[:, None] + ar)[:, None, None, :]
    cols = torch.where(flip[:, None, None, None], cols.flip(-1), cols)
    bi = torch.arange(B, device=dev)[:, None, None, None]
    ci = torch.arange(3, device=dev)[None, :, None, None]
    return padded[bi, ci, rows, cols]


@torch.no_grad()
def evaluate(model, images, labels, device, batch=500):
    model.eval()
    correct = 0
    for i in range(0, len(images), batch):
        x = data.normalise(images[i:i + batch]).to(device).contiguous(memory_format=torch.channels_last)
        correct += (model(x).argmax(1).cpu() == labels[i:i + batch]).sum().item()
    return correct / len(images)


def fraction_scale(model):
    """Short-path training's branch fraction train_blocks/L as a test-time scale, per block."""
    L = len(model.blocks())
    return [model.train_blocks / L] * L


def evaluate_scaled(model, images, labels, device, scales):
    """Accuracy with the residual branches scaled by scales, the model's own scale restored."""
    saved = [blk.scale for blk in model.blocks()]
    model.set_residual_scale(scales)
    try:
        return evaluate(model, images, labels, device)
    finally:
        model.set_residual_scale(saved)


def test_scale_choice(history, model, n_val):
    """From a short-path run with a validation split: which test-time rule (scale 1 or
    train_blocks/L) the last epoch's validation accuracy favours, or None."""
    last = history[-1] if history else {}
    if model.train_blocks is None or 'val_acc_scaled' not in last:
        return None
    L = len(model.blocks())
    return {'rule': 'fraction' if last['val_acc_scaled'] > last['val_acc'] else '1',
            'fraction': '%d/%d' % (model.train_blocks, L), 'epoch': last['epoch'],
            'val_acc_scale_1': last['val_acc'], 'val_acc_scale_fraction': last['val_acc_scaled'],
            'validation_images': n_val}


def resolve_test_scale(arg, model):
    """--test-scale -> (rule '1' or 'fraction', where the rule came from). Raises ValueError."""
    source = 'stated (--test-scale %s)' % arg
    rule = arg
    if arg not in ('1', 'fraction'):
        try:
            with open(arg) as f:
                choice = json.load(f).get('test_scale_choice')
        except (OSError, ValueError) as e:
            raise ValueError('--test-scale %s: cannot read a pilot summary (%s)' % (arg, e))
        if not isinstance(choice, dict) or choice.get('rule') not in ('1', 'fraction'):
            raise ValueError('--test-scale %s: the summary holds no test_scale_choice (a short-path '
                             'run with --val writes one)' % arg)
        rule = choice['rule']
        source = 'validation choice of %s: %s' % (os.path.basename(arg), json.dumps(choice))
    if rule == 'fraction' and model.train_blocks is None:
        raise ValueError("--test-scale fraction: this network trains every block (no short paths)")
    return rule, source


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


def split_validation(x, y, n_val, seed):
    """A seeded choice of n_val training images held out for recipe choices."""
    if n_val <= 0:
        return x, y, None, None
    if n_val >= len(x):
        raise SystemExit('--val %d leaves no training images' % n_val)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(10007 + seed))
    val, train = perm[:n_val].sort().values, perm[n_val:].sort().values
    return x[train], y[train], x[val], y[val]


def load_state(path, args, device):
    """The saved training state of this run, or None; refuses a state of another run."""
    if not os.path.exists(path):
        return None
    # The repository's own state file holds Python numbers and strings beside tensors; PyTorch
    # 2.6 and later (a lent GPU machine has 2.11) load weights only by default and refuse it.
    ck = torch.load(path, map_location=device, weights_only=False)
    saved = ck.get('run')
    if saved is None:
        # States written before runs recorded their definition (stop 14's resnet110 began so):
        # accepted for the same name, with the definition taken from these arguments.
        print('note: %s records no run definition; assuming this command\'s' % path, flush=True)
    elif saved != run_definition(args):
        diff = {k: (saved.get(k), v) for k, v in run_definition(args).items() if saved.get(k) != v}
        raise SystemExit('%s belongs to another run (saved vs now: %s); move it away or pass '
                         'the same arguments' % (path, diff))
    return ck


def save_state(path, state):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.save(state, path + '.tmp')
    os.replace(path + '.tmp', path)


def summary_path(out):
    return os.path.splitext(out)[0] + '.json'


def already_exported(args):
    """True if --out exists and its summary says this very run finished."""
    try:
        with open(summary_path(args.out)) as f:
            summary = json.load(f)
    except (OSError, ValueError):
        return False
    return (os.path.exists(args.out) and summary.get('run') == run_definition(args)
            and summary.get('epochs_done') == args.epochs)


def main(argv=None):
    args = parse_args(argv)
    if already_exported(args):
        print('%s: this run is already trained and exported (%s)' % (args.out, summary_path(args.out)))
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    name = os.path.splitext(os.path.basename(args.out))[0]
    state_path = args.state or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            'training', name + '.pt')

    data_path = data.default_path(args.data)
    xtr, ytr = data.load('train', data_path)
    xte, yte = data.load('test', data_path)
    xtr, ytr = torch.from_numpy(xtr), torch.from_numpy(ytr)
    xte, yte = torch.from_numpy(xte), torch.from_numpy(yte)
    if args.limit_train:
        xtr, ytr = xtr[:args.limit_train], ytr[:args.limit_train]
    xtr, ytr, xval, yval = split_validation(xtr, ytr, args.val, args.seed)
    if device.type == 'cuda':
        # The training images live on the GPU (150 MB): a step then copies no pixels from the host.
        xtr, ytr = xtr.to(device), ytr.to(device)
        torch.backends.cudnn.benchmark = True

    model = make_model(args).to(device).to(memory_format=torch.channels_last)
    if args.test_scale in ('1', 'fraction'):  # a pilot's summary may appear while this trains
        try:
            resolve_test_scale(args.test_scale, model)
        except ValueError as e:
            raise SystemExit('%s: %s' % (name, e))
    use_bf16 = args.amp == 'bf16' or (args.amp == 'auto' and native_bf16(device))
    decay = [p for n_, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n_, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.SGD([{'params': decay, 'weight_decay': args.wd},
                           {'params': no_decay, 'weight_decay': 0.0}],
                          lr=args.lr, momentum=0.9, nesterov=True)
    steps_per_epoch = len(xtr) // args.batch  # drop the ragged last batch
    total_steps = args.epochs * steps_per_epoch

    def lr_at(progress):
        """One-cycle: linear warm-up from lr/10, cosine decay to lr/1000."""
        progress = min(max(progress, 0.0), 1.0)
        if progress < args.warmup:
            return args.lr * (0.1 + 0.9 * progress / args.warmup)
        t = (progress - args.warmup) / (1.0 - args.warmup)
        return args.lr * (0.001 + 0.999 * 0.5 * (1.0 + math.cos(math.pi * t)))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)

    start_epoch, elapsed, history, step_count, segments = 0, 0.0, [], 0, []
    ck = load_state(state_path, args, device)
    if ck is not None:
        model.load_state_dict(ck['model'])
        opt.load_state_dict(ck['opt'])
        if 'rng' in ck:
            torch.set_rng_state(ck['rng'].cpu())  # stochastic depth / short paths draw from it
        start_epoch, elapsed, history = ck['epoch'], ck['elapsed'], ck['history']
        step_count, segments = ck['steps'], ck.get('segments', [])
        print('resumed from %s at epoch %d of %d' % (state_path, start_epoch, args.epochs), flush=True)
    # A segment is one stretch of epochs on one machine: the summary records each.
    segment = {'first_epoch': start_epoch + 1, 'last_epoch': start_epoch, 'hardware': hardware(device),
               'torch': str(torch.__version__), 'precision': 'bf16 autocast' if use_bf16 else 'float32',
               'data': os.path.basename(data_path),
               'started_utc': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'train_time_s': 0.0}

    print('training %s: %d params, %d epochs (%d steps), device %s (%s), %s, state %s' % (
        name, sum(p.numel() for p in model.parameters()), args.epochs, total_steps, device,
        hardware(device), segment['precision'], state_path), flush=True)
    epoch_s = 0.0
    for epoch in range(start_epoch, args.epochs):
        model.train()
        gen = torch.Generator().manual_seed(args.seed * 1000 + epoch)  # same order on resume
        perm = torch.randperm(len(xtr), generator=gen)
        draws = augment_draws(gen, steps_per_epoch, args.batch)
        perm, draws = perm.to(xtr.device), [d.to(xtr.device) for d in draws]
        # An epoch's time as measured in this process (a resumed state's history may come from
        # another machine); the first epoch here starts unless the deadline has passed.
        if args.deadline and time.time() + epoch_s > args.deadline:
            print('deadline: epoch %d (about %.0f s) would end after it; stopping with %d of %d '
                  'epochs done' % (epoch + 1, epoch_s, epoch, args.epochs), flush=True)
            return
        if args.stop_after and epoch - start_epoch >= args.stop_after:
            print('stop-after: %d epochs trained here; stopping with %d of %d epochs done' % (
                args.stop_after, epoch, args.epochs), flush=True)
            return
        t0, cpu0 = time.time(), time.process_time()
        # Sums kept on the device and read once per epoch: a read per step would make a GPU
        # wait for every step to finish before queuing the next.
        tot_loss = torch.zeros((), dtype=torch.float64, device=device)
        tot_correct = torch.zeros((), dtype=torch.int64, device=device)
        seen = 0
        for step in range(steps_per_epoch):
            idx = perm[step * args.batch:(step + 1) * args.batch]
            x = data.normalise(augment(xtr[idx], *(d[step] for d in draws))).to(device)
            x = x.contiguous(memory_format=torch.channels_last)
            y = ytr[idx].to(device)
            lr = lr_at(step_count / total_steps)
            for g in opt.param_groups:
                g['lr'] = lr
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                out = model(x).float()
            loss = loss_fn(out, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step_count += 1
            tot_loss += loss.detach().double() * len(idx)
            tot_correct += (out.argmax(1) == y).sum()
            seen += len(idx)
            if args.max_steps and step + 1 >= args.max_steps:
                tot_loss.item()  # waits for the device
                dt = time.time() - t0
                print('timing: %d steps in %.1fs = %.0f img/s, %.1f s/epoch' % (
                    step + 1, dt, seen / dt, dt / (step + 1) * steps_per_epoch), flush=True)
                return
        epoch_loss, epoch_correct = tot_loss.item() / seen, tot_correct.item() / seen
        dt = time.time() - t0
        # The deadline's estimate is this process's fastest epoch: an epoch slowed by other work
        # on the machine must not stop the run hours early. Too hopeful an estimate at worst
        # loses the one epoch cut off by the end of the session (the state before it is saved).
        epoch_s = min(epoch_s, dt) if epoch_s else dt
        elapsed += dt
        if segment['last_epoch'] == start_epoch:
            segments.append(segment)  # only stretches that trained at least one epoch
        segment['last_epoch'] = epoch + 1
        segment['train_time_s'] = round(segment['train_time_s'] + dt, 1)
        rec = {'epoch': epoch + 1, 'loss': epoch_loss, 'train_acc': epoch_correct,
               'lr': lr, 'steps': step_count, 'img_per_s': seen / dt, 'elapsed_s': round(elapsed, 1),
               'cpu_cores_used': round((time.process_time() - cpu0) / dt, 2),
               'hardware': segment['hardware']}
        if xval is not None:
            rec['val_acc'] = evaluate(model, xval, yval, device)
            if model.train_blocks is not None:
                rec['val_acc_scaled'] = evaluate_scaled(model, xval, yval, device,
                                                        fraction_scale(model))
        if (epoch + 1) % args.eval_every == 0 or epoch + 1 == args.epochs:
            # Logged for the record only; nothing is ever selected on it.
            rec['test_acc'] = evaluate(model, xte, yte, device)
        history.append(rec)
        print(json.dumps(rec), flush=True)
        save_state(state_path, {'run': run_definition(args), 'model': model.state_dict(),
                                'opt': opt.state_dict(), 'steps': step_count, 'epoch': epoch + 1,
                                'rng': torch.get_rng_state(),
                                'elapsed': elapsed, 'history': history, 'segments': segments})

    # The final model is the last epoch's: no selection at all. Only a short-path net's
    # test-time scale is chosen, on validation images (a pilot's), never on the test batch.
    try:
        test_scale, test_scale_source = resolve_test_scale(args.test_scale, model)
    except ValueError as e:
        raise SystemExit('%s: %s; the training state is kept, rerun to export' % (name, e))
    model.eval()
    extra_metadata = None
    if model.train_blocks is not None:
        if test_scale == 'fraction':
            model.set_residual_scale(fraction_scale(model))
        # Informational (the engine reads only unravel.residual_scale): how it was trained and why
        # its branches are or are not scaled.
        extra_metadata = {'unravel.short_paths': '%d of %d residual branches per training '
                          'mini-batch; test-time scale %s, %s' % (
                              model.train_blocks, len(model.blocks()),
                              '%d/%d' % (model.train_blocks, len(model.blocks()))
                              if test_scale == 'fraction' else '1', test_scale_source)}
    # Evaluated on the training device (a GPU's takes seconds, where a lent machine's minutes are
    # counted), in full float32: no TF32 in cuDNN's convolutions.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    test_acc = evaluate(model, xte, yte, device)
    model = model.to('cpu').to(memory_format=torch.contiguous_format)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    export_model(model, args.out, dtype=args.dtype, extra_metadata=extra_metadata)
    test_acc_f32 = test_acc
    if args.dtype != 'F32':
        # The card reports the shipped file: PyTorch evaluates the weights as rounded on export.
        shipped = load_model(args.out)[0].to(device).to(memory_format=torch.channels_last)
        test_acc = evaluate(shipped, xte, yte, device)
    summary = {
        'name': name, 'arch': args.arch, 'block': model.block_kind, 'shortcut': model.shortcut_kind,
        'shortcut_bn': model.shortcut_bn if model.shortcut_kind == 'B' else None,
        'skip': model.skip, 'blocks_per_stage': model.n, 'residual_scale': model.residual_scale,
        'params': sum(p.numel() for p in model.parameters()), 'run': run_definition(args),
        'batch': args.batch, 'lr': args.lr, 'weight_decay': args.wd, 'seed': args.seed,
        'label_smoothing': args.label_smoothing, 'validation_images': args.val,
        'schedule': 'one-cycle over %d epochs (%d steps): warm-up %.2f from lr/10, cosine to lr/1000'
                    % (args.epochs, total_steps, args.warmup),
        'steps': step_count, 'epochs_done': step_count // steps_per_epoch,
        'train_time_s': round(elapsed, 1), 'segments': segments,
        'hardware': sorted({seg['hardware'] for seg in segments}),
        'torch': str(torch.__version__), 'data': os.path.basename(data_path),
        'data_sha256': data.sha256_file(data_path), 'pytorch_test_acc': test_acc,
        'pytorch_test_acc_f32': test_acc_f32,
        'file': os.path.basename(args.out), 'bytes': os.path.getsize(args.out), 'dtype': args.dtype,
        'history': history,
    }
    if model.train_blocks is not None:
        summary['train_blocks'] = model.train_blocks
        summary['test_scale'] = {'rule': test_scale, 'source': test_scale_source}
        choice = test_scale_choice(history, model, args.val)
        if choice is not None:
            summary['test_scale_choice'] = choice
    with open(summary_path(args.out), 'w') as f:
        json.dump(summary, f, indent=1)
    # The summary now records the whole run, and a rerun does nothing: the state is not needed.
    if os.path.exists(state_path):
        os.remove(state_path)
    print('exported %s (%s): test accuracy %.4f (PyTorch; float32 weights %.4f), %.0f s training' % (
        args.out, args.dtype, test_acc, test_acc_f32, elapsed), flush=True)


if __name__ == '__main__':
    main()
