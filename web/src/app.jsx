// app.jsx - the lab: pick a network (and one to compare it with), delete blocks by clicking,
// and read every lesion experiment of the paper as a panel. Panels are specs plus charts; the
// lab (lab.js) runs, queues and keeps every spec's results.
import { useEffect, useRef, useState } from 'preact/hooks';
import { openLab } from './lab.js';
import { parseHash, writeHash, modelRef, SETTING_KINDS } from './urlState.js';
import { panelSettings, setPanelSettings, onPanelSettings } from './useExperiment.js';
import { ShareLink } from './components/ShareLink.jsx';
import { OrderNote } from './components/OrderNote.jsx';
import { lesionParams } from './components/LesionPanel.jsx';
import { EmbedBar, fullLabUrl } from './embed.jsx';
import { Notice } from './components/Notice.jsx';
import { ModelPicker, ComparePicker, ImagesPicker, ModelDescription } from './components/ModelPicker.jsx';
import { BlockDiagram } from './components/BlockDiagram.jsx';
import { LesionPanel } from './components/LesionPanel.jsx';
import { DeleteOnePanel } from './components/DeleteOnePanel.jsx';
import { DeleteKPanel } from './components/DeleteKPanel.jsx';
import { ReorderPanel } from './components/ReorderPanel.jsx';
import { DropPanel } from './components/DropPanel.jsx';
import { PathsPanel } from './components/PathsPanel.jsx';
import { GradientsPanel } from './components/GradientsPanel.jsx';
import { TestImagesPanel } from './components/TestImagesPanel.jsx';
import { Explanation } from './components/Explanation.jsx';
import { Credits } from './components/Credits.jsx';
import { setExportContext } from './exports.js';
import { Loading } from './components/Loading.jsx';
import { LesionTicker } from './components/LesionTicker.jsx';
import { explain } from './loadErrors.js';
import { OpenModel } from './components/OpenModel.jsx';

const defaultImages = (lab) => Math.min(1000, lab.images.images || 0);

// What a link (the URL hash) asks for, applied to the panels' settings; the rest is returned
// for the app's state. Bad values come back as problems (one line each) and use the default.
function readLink(lab, hash) {
  const { state, problems } = parseHash(hash, { models: lab.models, maxImages: lab.images.images || 0 });
  const entry = state.model ?? lab.models.find((m) => m.name === 'resnet20') ?? lab.models[0];
  const images = state.images ?? defaultImages(lab);
  if (entry) {
    for (const kind of SETTING_KINDS) {
      const s = state.settings[kind];
      setPanelSettings(entry.name, kind, s ? { ...s, images: s.images ?? images } : null);
    }
  }
  return { entry, state, images, problems };
}

// Load a model (and keep the answer only while it is still the one wanted).
function useModel(lab, name, onError) {
  const [model, setModel] = useState(null);
  useEffect(() => {
    if (!lab || !name) return setModel(null);
    let stale = false;
    lab.model(name).then((m) => !stale && setModel(m), (e) => !stale && onError(`Could not load ${name}: ${e.message}`, e));
    return () => (stale = true);
  }, [lab, name]);
  return model?.name === name ? model : null;
}

// An error in plain words, the raw message after it for whoever reports it.
function Failure({ error, what }) {
  const { title, text, detail } = explain(error, what);
  return <Notice kind="error" title={title}>{text}{detail && <span class="notice-detail"> ({detail})</span>}</Notice>;
}

export function App() {
  const [lab, setLab] = useState(null);
  const [fatal, setFatal] = useState(null);
  const [failure, setFailure] = useState(null);
  const [modelError, setModelError] = useState(null);
  const [modelName, setModelName] = useState(null);
  const [compareName, setCompareName] = useState(null);
  const [deleted, setDeleted] = useState([]);
  const [order, setOrder] = useState(null);
  const [images, setImages] = useState(1000);
  const [show, setShow] = useState(null);
  const [embed, setEmbed] = useState(false);
  const [linkProblems, setLinkProblems] = useState([]);
  const [settingsRevision, setSettingsRevision] = useState(0);
  const [progress, setProgress] = useState({});
  const [, setModelsRevision] = useState(0); // the user opened or removed a file

  const applyLink = (opened, hash) => {
    const { entry, state, images: wantedImages, problems } = readLink(opened, hash);
    setLinkProblems(problems);
    setImages(wantedImages);
    setShow(state.show);
    setEmbed(state.embed);
    if (!entry) return;
    setModelError(null);
    setModelName(entry.name);
    setCompareName(state.compare !== undefined ? state.compare : entry.compare ?? null);
    setDeleted(state.deleted);
    setOrder(state.order);
  };

  useEffect(() => {
    const onProgress = (step, done, total) => setProgress((p) => ({ ...p, [step]: { done, total } }));
    openLab({ onEvent: (e) => e.type === 'failure' && setFailure(e.message), onProgress })
      .then((opened) => {
        setExportContext({ engineVersion: opened.pool.version, dataSource: opened.images.source });
        setLab(opened);
        applyLink(opened, location.hash);
      })
      .catch((e) => setFatal(e.message));
  }, []);

  // A link clicked in the open page, or a new hash given to an iframe, takes effect.
  useEffect(() => {
    if (!lab) return;
    const onHash = () => applyLink(lab, location.hash);
    addEventListener('hashchange', onHash);
    const stop = onPanelSettings(() => setSettingsRevision((r) => r + 1));
    const stopModels = lab.onModels(() => setModelsRevision((r) => r + 1));
    return () => {
      removeEventListener('hashchange', onHash);
      stop();
      stopModels();
    };
  }, [lab]);

  const loaded = useModel(lab, modelName, setModelError);
  const compare = useModel(lab, compareName, setModelError);
  // While another network (or its partner) loads, the pair before stays on screen (dimmed), and
  // the new pair replaces it in one step once both are there: no layout jump.
  const ready = !!loaded && (!compareName || !!compare);
  const previous = useRef(null);
  if (ready) previous.current = { model: loaded, compare: compareName ? compare : null };
  const shown = ready ? previous.current : modelError ? loaded && { model: loaded, compare: null } : previous.current;
  const model = shown?.model ?? null;
  const switching = !!model && !ready && !modelError;
  // What the note names stays the same until the pair arrives (a changing note would move too).
  const loading = shown?.model.name !== modelName ? [modelName, compareName].filter(Boolean).join(' and ') : compareName;
  // The lesion belongs to the network being loaded: the one still shown runs none of it.
  const lesion = model !== loaded ? { deleted: [], order: null } : { deleted, order };
  // The URL says what is on screen, at every change (replaceState: the back button is not flooded).
  useEffect(() => {
    if (!lab || !modelName) return;
    const settings = Object.fromEntries(SETTING_KINDS.map((k) => [k, panelSettings(modelName, k)]).filter(([, v]) => v));
    const hash = writeHash({ model: modelRef(lab.entry(modelName)) ?? modelName, compare: compareName ? modelRef(lab.entry(compareName)) : null, defaultCompare: lab.entry(modelName)?.compare ?? null, deleted, order,
      images, defaultImages: defaultImages(lab), settings, show, embed });
    if (hash !== location.hash) history.replaceState(history.state, '', hash);
  }, [lab, modelName, compareName, deleted.join(','), order?.join(','), images, show?.join(','), embed, settingsRevision]);

  // A click is a change by the user: evaluate the lesion at once, ahead of any sweep.
  useEffect(() => {
    if (loaded && (deleted.length || order) && lab.images.images) lab.submit(lab.spec(loaded, 'eval', lesionParams(deleted, order), { images }), { slot: 'lesion', label: 'lesion', interactive: true });
  }, [loaded, deleted.join(','), order?.join(','), images]);

  // The user's own network has nothing precomputed: its full accuracy is measured at once.
  useEffect(() => {
    if (loaded?.entry.user && lab.images.images) lab.submit(lab.defaultSpec(loaded, 'eval'), { slot: 'eval', label: 'eval', interactive: true });
  }, [loaded]);

  const toggle = (b) => setDeleted((prev) => (prev.includes(b) ? prev.filter((x) => x !== b) : [...prev, b].sort((x, y) => x - y)));
  const choose = (name) => {
    setDeleted([]);
    setOrder(null);
    setModelError(null);
    setModelName(name);
    setCompareName(lab.entry(name)?.compare ?? null);
  };
  // A removed file's network gives way to the default one (and stops being the comparison).
  const removed = (name) => {
    if (compareName === name) setCompareName(null);
    if (modelName === name) choose((lab.entry('resnet20') ?? lab.models[0]).name);
  };
  const hasImages = lab?.images.images > 0;
  const visible = (panel) => !show || show.includes(panel);
  const live = hasImages ? images : 0;
  return (
    <main class={embed ? 'embed' : ''} data-embed={embed ? 'true' : 'false'}>
      {!embed && (
        <header>
          <h1>Unravel</h1>
          <p class="subtitle">Residual networks behave like ensembles of relatively shallow networks — try it yourself.</p>
        </header>
      )}
      {embed && <EmbedBar />}
      {linkProblems.length > 0 && (
        <Notice kind="warning" title="Part of this link could not be used">
          <ul class="link-problems" data-testid="link-problems">{linkProblems.map((p) => <li key={p}>{p}</li>)}</ul>
        </Notice>
      )}
      {fatal && <Failure error={fatal} />}
      {failure && lab && (
        <Notice kind="error" title="The engine keeps failing" action={<button type="button" onClick={() => location.reload()}>Reload the page</button>}>
          {failure}
        </Notice>
      )}
      {!lab && !fatal && <Loading progress={progress} />}
      {lab && lab.models.length === 0 && <Notice kind="error" title="No networks in this build">The build found no model files (models/manifest.json); rebuild the page after the models are in place.</Notice>}
      {lab && !hasImages && <Notice kind="warning" title="No test images in this build">{lab.images.reason}. The precomputed results are shown, but nothing can be computed live.</Notice>}
      {lab && lab.models.length > 0 && (
        <section class="panel" data-testid="panel-lesion">
          <div class="controls">
            <ModelPicker models={lab.models} value={modelName} onChange={choose} />
            <ComparePicker models={lab.models} model={modelName} value={compareName} onChange={setCompareName} />
            {hasImages && <ImagesPicker available={lab.images.images} value={images} onChange={setImages} />}
            <span class="engine-note" data-testid="engine-note" data-version={lab.pool.version}>
              {`${lab.pool.size} worker${lab.pool.size > 1 ? 's' : ''}, ${lab.pool.simd ? 'WebAssembly SIMD' : 'plain WebAssembly'} (${lab.pool.kernels} kernels), engine ${lab.pool.version}`}
            </span>
            <ShareLink show={show} embed={embed} />
          </div>
          {/* the network on screen: it changes with the pair, in one step (no layout jump) */}
          {!embed && model && <ModelDescription entry={model.entry} />}
          {!embed && <OpenModel lab={lab} current={lab.entry(modelName)} onOpened={choose} onRemoved={removed} />}
          {modelError && <Failure error={modelError} what="Model not loaded" />}
          {/* over the dimmed network, not above it: the layout does not move while the next one loads */}
          {switching && !visible('lesion') && <p class="booting" role="status" data-testid="switching">Loading {loading}…</p>}
          {model && visible('lesion') && (
            <div class="lesion-area">
              {switching && <p class="switching-note" role="status" data-testid="switching">Loading {loading}…</p>}
              <h2>Click blocks to delete them</h2>
              <div class={switching ? 'switching' : ''} inert={switching}>
                <BlockDiagram info={model.info} deleted={lesion.deleted} onToggle={toggle} onRestoreAll={() => setDeleted([])} />
                {lesion.order && <OrderNote order={lesion.order} onRestore={() => setOrder(null)} />}
                <LesionTicker lab={lab} model={model} deleted={lesion.deleted} order={lesion.order} images={live} />
                <LesionPanel lab={lab} model={model} deleted={lesion.deleted} order={lesion.order} images={live} />
              </div>
            </div>
          )}
        </section>
      )}
      {model && (
        <>
          {visible('delete-one') && <DeleteOnePanel lab={lab} model={model} compare={shown.compare} images={live} />}
          {visible('delete-k') && <DeleteKPanel lab={lab} model={model} images={live} />}
          {visible('reorder') && <ReorderPanel lab={lab} model={model} images={live} />}
          {visible('drop') && <DropPanel lab={lab} model={model} images={live} />}
          {visible('gradients') && <GradientsPanel lab={lab} model={model} images={live} />}
          {visible('paths') && <PathsPanel model={model} deleted={lesion.deleted} />}
          {hasImages && visible('test-images') && <TestImagesPanel lab={lab} model={model} deleted={lesion.deleted} />}
        </>
      )}
      {!embed && visible('explanation') && <Explanation models={lab?.models ?? []} />}
      {embed ? <p class="embed-credits">Unravel · CIFAR-10 test images (Krizhevsky 2009) · code MIT, weights CC BY 4.0 · <a href={fullLabUrl()} target="_blank" rel="noopener">credits</a></p> : <Credits images={lab?.images} />}
    </main>
  );
}
