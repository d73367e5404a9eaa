// useExperiment.js - the state of one experiment spec in the lab (precomputed, cached, queued,
// running or done), kept current as results stream in.
import { useEffect, useState } from 'preact/hooks';
import { specKey } from './lab.js';

export function useExperiment(lab, spec) {
  const key = spec ? specKey(spec) : '';
  const [state, setState] = useState(() => (spec ? lab.state(spec) : null));
  useEffect(() => {
    if (!spec) return setState(null);
    return lab.watch(spec, setState);
  }, [key]);
  return state;
}

// Each panel's settings per model for the visit, so that switching model and back restores them.
const remembered = new Map();

/**
 * A panel's spec: the default (precomputed where there is one) until the user changes
 * something, then a live spec on the page's images. change(params, seed) runs it.
 */
export function usePanelSpec(lab, model, kind, { slot = kind, label = kind, images } = {}) {
  const memo = `${model?.name}|${slot}`;
  const [settings, setSettings] = useState(() => remembered.get(memo) ?? null);
  useEffect(() => setSettings(remembered.get(memo) ?? null), [memo]);
  const spec = !model ? null : settings ? lab.spec(model, kind, settings.params, { seed: settings.seed, images: settings.images }) : lab.defaultSpec(model, kind);
  const state = useExperiment(lab, spec);
  const change = (params, seed = spec.seed ?? 1, force = false) => {
    const next = { params, seed, images: images ?? lab.images.images };
    remembered.set(memo, next);
    setSettings(next);
    lab.submit(lab.spec(model, kind, params, next), { slot, label, force });
  };
  return { spec, state, change, live: !!settings, cancel: () => spec && lab.cancel(spec) };
}
