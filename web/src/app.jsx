// app.jsx - the lab: pick a network (and one to compare it with), delete blocks by clicking,
// and read every lesion experiment of the paper as a panel. Panels are specs plus charts; the
// lab (lab.js) runs, queues and keeps every spec's results.
import { useEffect, useState } from 'preact/hooks';
import { openLab } from './lab.js';
import { Notice } from './components/Notice.jsx';
import { ModelPicker, ComparePicker, ImagesPicker } from './components/ModelPicker.jsx';
import { BlockDiagram } from './components/BlockDiagram.jsx';
import { LesionPanel } from './components/LesionPanel.jsx';
import { DeleteOnePanel } from './components/DeleteOnePanel.jsx';
import { DeleteKPanel } from './components/DeleteKPanel.jsx';
import { ReorderPanel } from './components/ReorderPanel.jsx';
import { DropPanel } from './components/DropPanel.jsx';
import { PathsPanel } from './components/PathsPanel.jsx';
import { TestImagesPanel } from './components/TestImagesPanel.jsx';
import { Explanation } from './components/Explanation.jsx';
import { Credits } from './components/Credits.jsx';

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const deleted = (params.get('deleted') ?? '').split(',').filter(Boolean).map(Number).filter((b) => Number.isInteger(b) && b >= 1);
  return { model: params.get('model'), compare: params.get('compare'), deleted };
}

function writeHash(model, compare, deleted) {
  const params = new URLSearchParams();
  if (model) params.set('model', model);
  if (compare) params.set('compare', compare);
  if (deleted.length) params.set('deleted', deleted.join(','));
  history.replaceState(null, '', `#${params}`);
}

// Load a model (and keep the answer only while it is still the one wanted).
function useModel(lab, name, onError) {
  const [model, setModel] = useState(null);
  useEffect(() => {
    if (!lab || !name) return setModel(null);
    let stale = false;
    lab.model(name).then((m) => !stale && setModel(m), (e) => !stale && onError(`Could not load ${name}: ${e.message}`));
    return () => (stale = true);
  }, [lab, name]);
  return model?.name === name ? model : null;
}

export function App() {
  const [lab, setLab] = useState(null);
  const [fatal, setFatal] = useState(null);
  const [failure, setFailure] = useState(null);
  const [modelError, setModelError] = useState(null);
  const [modelName, setModelName] = useState(null);
  const [compareName, setCompareName] = useState(null);
  const [deleted, setDeleted] = useState([]);
  const [images, setImages] = useState(1000);

  useEffect(() => {
    openLab({ onEvent: (e) => e.type === 'failure' && setFailure(e.message) })
      .then((opened) => {
        setLab(opened);
        const wanted = readHash();
        const list = opened.models;
        const first = list.find((m) => m.name === wanted.model) ?? list.find((m) => m.name === 'resnet20') ?? list[0];
        if (opened.images.images) setImages(Math.min(1000, opened.images.images));
        if (first) {
          setModelName(first.name);
          setCompareName(wanted.model === first.name && wanted.compare !== null ? wanted.compare || null : first.compare ?? null);
          if (first.name === wanted.model) setDeleted(wanted.deleted.filter((b) => b <= first.blocks));
        }
      })
      .catch((e) => setFatal(e.message));
  }, []);

  const model = useModel(lab, modelName, setModelError);
  const compare = useModel(lab, compareName, setModelError);
  useEffect(() => {
    if (modelName) writeHash(modelName, compareName ?? '', deleted);
  }, [modelName, compareName, deleted.join(',')]);

  // A click is a change by the user: evaluate the lesion at once, ahead of any sweep.
  useEffect(() => {
    if (model && deleted.length && lab.images.images) lab.submit(lab.spec(model, 'eval', { deleted }, { images }), { slot: 'lesion', label: 'lesion', interactive: true });
  }, [model, deleted.join(','), images]);

  const toggle = (b) => setDeleted((prev) => (prev.includes(b) ? prev.filter((x) => x !== b) : [...prev, b].sort((x, y) => x - y)));
  const choose = (name) => {
    setDeleted([]);
    setModelError(null);
    setModelName(name);
    setCompareName(lab.entry(name)?.compare ?? null);
  };
  const hasImages = lab?.images.images > 0;
  return (
    <main>
      <header>
        <h1>Unravel</h1>
        <p class="subtitle">Residual networks behave like ensembles of relatively shallow networks — try it yourself.</p>
      </header>
      {fatal && <Notice kind="error" title="The lab could not start">{fatal}</Notice>}
      {failure && lab && (
        <Notice kind="error" title="The engine keeps failing" action={<button type="button" onClick={() => location.reload()}>Reload the page</button>}>
          {failure}
        </Notice>
      )}
      {!lab && !fatal && <p class="booting" data-testid="engine-note">Starting the engine…</p>}
      {lab && lab.models.length === 0 && <Notice kind="error" title="No networks in this build">The build found no model files (models/manifest.json); rebuild the page after the models are in place.</Notice>}
      {lab && !hasImages && <Notice kind="warning" title="No test images in this build">{lab.images.reason}. The precomputed results are shown, but nothing can be computed live.</Notice>}
      {lab && lab.models.length > 0 && (
        <section class="panel" data-testid="panel-lesion">
          <div class="controls">
            <ModelPicker models={lab.models} value={modelName} onChange={choose} />
            <ComparePicker models={lab.models} model={modelName} value={compareName} onChange={setCompareName} />
            {hasImages && <ImagesPicker available={lab.images.images} value={images} onChange={setImages} />}
            <span class="engine-note" data-testid="engine-note">
              {`${lab.pool.size} worker${lab.pool.size > 1 ? 's' : ''}, ${lab.pool.simd ? 'WebAssembly SIMD' : 'plain WebAssembly'} (${lab.pool.kernels} kernels)`}
            </span>
          </div>
          {modelError && <Notice kind="error" title="Model not loaded">{modelError}</Notice>}
          {model && (
            <>
              <h2>Click blocks to delete them</h2>
              <BlockDiagram info={model.info} deleted={deleted} onToggle={toggle} onRestoreAll={() => setDeleted([])} />
              <LesionPanel lab={lab} model={model} deleted={deleted} images={hasImages ? images : 0} />
            </>
          )}
        </section>
      )}
      {model && (
        <>
          <DeleteOnePanel lab={lab} model={model} compare={compareName ? compare : null} images={hasImages ? images : 0} />
          <DeleteKPanel lab={lab} model={model} images={hasImages ? images : 0} />
          <ReorderPanel lab={lab} model={model} images={hasImages ? images : 0} />
          <DropPanel lab={lab} model={model} images={hasImages ? images : 0} />
          <PathsPanel model={model} deleted={deleted} />
          {hasImages && <TestImagesPanel lab={lab} model={model} deleted={deleted} />}
        </>
      )}
      <Explanation />
      <Credits images={lab?.images} />
    </main>
  );
}
