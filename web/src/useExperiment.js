// useExperiment.js - the state of one experiment spec in the lab (precomputed, cached, queued,
// running or done), kept current as results stream in.
import { useEffect, useState } from 'preact/hooks';
import { specKey } from './lab.js';

export function useExperiment(lab, spec) {
  const key = spec ? specKey(spec) : '';
  const [held, setHeld] = useState(() => ({ key, state: spec ? lab.state(spec) : null }));
  useEffect(() => {
    if (!spec) return setHeld({ key, state: null });
    return lab.watch(spec, (state) => setHeld({ key, state }));
  }, [key]);
  // A new spec (another network, other settings) reads the lab at once: no frame shows the
  // previous spec's results, and the layout changes in one step.
  return held.key === key ? held.state : spec ? lab.state(spec) : null;
}

// Each panel's settings per model for the visit, so that switching model and back restores them.
// The URL (urlState.js) reads and writes them too: listeners hear every change.
const remembered = new Map();
const listeners = new Set();

/** A panel's live settings {params, seed, images} for a model, or null (its default spec). */
export const panelSettings = (modelName, slot) => remembered.get(`${modelName}|${slot}`) ?? null;

/** Set (or with null, clear) a panel's settings; from: the panel that changed them, if any. */
export function setPanelSettings(modelName, slot, settings, from = null) {
  const memo = `${modelName}|${slot}`;
  if (JSON.stringify(remembered.get(memo) ?? null) === JSON.stringify(settings)) return;
  if (settings) remembered.set(memo, settings);
  else remembered.delete(memo);
  for (const fn of listeners) fn(memo, from);
}

/** fn(memo, from) on every change of any panel's settings; returns an unsubscribe. */
export function onPanelSettings(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * A panel's spec: the default (precomputed where there is one) until the user changes
 * something, then a live spec on the page's images. change(params, seed) runs it. Settings that
 * arrive from elsewhere (a link) are run when their results are not there yet; revision counts
 * them, so that a panel can refill its form.
 */
export function usePanelSpec(lab, model, kind, { slot = kind, label = kind, images } = {}) {
  const memo = `${model?.name}|${slot}`;
  // Read at every render (never a copy of another model's settings while the model changes);
  // the store's notifications only trigger the render.
  const settings = remembered.get(memo) ?? null;
  const [, setTick] = useState(0);
  const [revision, setRevision] = useState(0);
  useEffect(() => onPanelSettings((changed, from) => {
    if (changed !== memo) return;
    setTick((t) => t + 1);
    if (from !== memo) setRevision((r) => r + 1);
  }), [memo]);
  const spec = !model ? null : settings ? lab.spec(model, kind, settings.params, { seed: settings.seed, images: settings.images }) : lab.defaultSpec(model, kind);
  const state = useExperiment(lab, spec);
  useEffect(() => {
    if (settings && spec && lab.images.images && !lab.state(spec)) lab.submit(spec, { slot, label });
  }, [spec && specKey(spec)]);
  const change = (params, seed = spec.seed ?? 1, force = false) => {
    const next = { params, seed, images: images ?? lab.images.images };
    setPanelSettings(model.name, slot, next, memo);
    lab.submit(lab.spec(model, kind, params, next), { slot, label, force });
  };
  return { spec, state, change, live: !!settings, revision, cancel: () => spec && lab.cancel(spec) };
}
