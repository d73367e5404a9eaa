// paper.js - the paper's values (paper-figures.json, digitized from Veit et al. 2016) placed on
// our charts. The paper's network has 54 blocks; a network with fewer is compared at the same
// position as a fraction of depth (block b of L at b/L, k of L blocks deleted at k/L).
import figures from './paper-figures.json';

export const PAPER_BLOCKS = 54;
/** The paper's ResNet-110's downsampling blocks (the first of stages 2 and 3). */
export const PAPER_DOWNSAMPLING = [19, 37];
export { figures };

/** Fig. 3: the paper's ResNet-110 error per deleted block, at x = block (or b/54 as a fraction). */
export function fig3ResNet({ fraction }) {
  return figures.fig3_delete_one_block.resnet110.map((y, i) => ({ x: fraction ? (i + 1) / PAPER_BLOCKS : i + 1, y, name: fraction ? `paper: block ${i + 1} of ${PAPER_BLOCKS}` : undefined }));
}

/** Fig. 3's VGG-15 (a plain network): error with one layer deleted, at x = layer / 15. */
export function fig3Vgg() {
  const fig = figures.fig3_delete_one_block;
  return fig.vgg15_layer_index.map((layer, i) => ({ x: layer / 15, y: fig.vgg15[i], name: `VGG-15: layer ${layer} of 15` }));
}

/** Fig. 8 (stochastic depth), summarised in the paper's text as a band and three points. */
export function fig8({ fraction }) {
  const at = (b) => (fraction ? b / PAPER_BLOCKS : b);
  const fig = figures.fig8_stochastic_depth_delete_one_block;
  const [low, high] = fig.other_blocks_error_range;
  return {
    band: { low, high, from: at(1), to: at(PAPER_BLOCKS) },
    points: Object.entries(fig.errors_by_block).map(([b, y]) => ({ x: at(Number(b)), y, name: fraction ? `paper: block ${b} of ${PAPER_BLOCKS}` : undefined })),
    summary: fig.summary,
  };
}

function interpolate(xs, ys, x) {
  if (x < xs[0] || x > xs[xs.length - 1]) return null;
  for (let i = 1; i < xs.length; i++) {
    if (x <= xs[i]) return ys[i - 1] + ((ys[i] - ys[i - 1]) * (x - xs[i - 1])) / (xs[i] - xs[i - 1]);
  }
  return ys[ys.length - 1];
}

/** Fig. 5a at k blocks deleted out of L: the paper's median and quartiles at the same fraction. */
export function fig5aAt(k, L) {
  const fig = figures.fig5a_delete_k_random_blocks;
  const kp = (k * PAPER_BLOCKS) / L;
  const median = interpolate(fig.k, fig.median, kp);
  if (median == null) return null;
  return { median, q1: interpolate(fig.k, fig.q1, kp), q3: interpolate(fig.k, fig.q3, kp) };
}

/** Fig. 5b: the paper's median and quartiles of error in a tau bin centred at tau (54 blocks). */
export function fig5bAt(tau) {
  const fig = figures.fig5b_reorder_by_swaps;
  const i = fig.tau.findIndex((t) => Math.abs(t - tau) < 0.005);
  return i < 0 ? null : { median: fig.median[i], q1: fig.q1[i], q3: fig.q3[i] };
}
