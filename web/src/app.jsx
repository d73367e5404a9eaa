// app.jsx - the lab: pick a network, delete blocks by clicking, run the delete-one sweep.
// Experiments run one at a time on the model's worker pool; a block click during a sweep is
// evaluated when the sweep ends.
import { useEffect, useRef, useState } from 'preact/hooks';
import { loadManifest, loadTestImages, ModelSession, CancelledError } from './lab.js';
import { Notice } from './components/Notice.jsx';
import { ModelPicker, ImagesPicker } from './components/ModelPicker.jsx';
import { BlockDiagram } from './components/BlockDiagram.jsx';
import { AccuracyPanel } from './components/AccuracyPanel.jsx';
import { SweepPanel } from './components/SweepPanel.jsx';
import { Explanation } from './components/Explanation.jsx';

const IDLE = { status: 'idle' };

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const deleted = (params.get('deleted') ?? '').split(',').filter(Boolean).map((b) => Number(b) - 1).filter((b) => Number.isInteger(b) && b >= 0);
  return { model: params.get('model'), deleted };
}

function writeHash(model, deleted) {
  const params = new URLSearchParams();
  if (model) params.set('model', model);
  if (deleted.length) params.set('deleted', deleted.map((b) => b + 1).join(','));
  history.replaceState(null, '', `#${params}`);
}

export function App() {
  const [models, setModels] = useState(null);
  const [images, setImages] = useState(null); // the build's test images
  const [fatal, setFatal] = useState(null);
  const [modelName, setModelName] = useState(null);
  const [session, setSession] = useState(null);
  const [modelError, setModelError] = useState(null);
  const [failure, setFailure] = useState(null);
  const [count, setCount] = useState(1000);
  const [deleted, setDeleted] = useState([]);
  const [evalState, setEvalState] = useState(IDLE);
  const [sweepState, setSweepState] = useState(IDLE);
  const sweeping = useRef(false);
  const evalWanted = useRef(false);
  const latest = useRef({});
  latest.current = { session, deleted, count, images };

  // Load the build's model list and test images once.
  useEffect(() => {
    Promise.all([loadManifest(), loadTestImages()])
      .then(([list, data]) => {
        setModels(list);
        setImages(data);
        if (data.images) setCount(Math.min(1000, data.images));
        const wanted = readHash();
        const first = list.find((m) => m.name === wanted.model) ?? list.find((m) => m.name === 'resnet20') ?? list[0];
        if (first) {
          setModelName(first.name);
          if (first.name === wanted.model) setDeleted(wanted.deleted.filter((b) => b < first.blocks));
        }
      })
      .catch((e) => setFatal(e.message));
  }, []);

  // One worker pool per chosen model.
  useEffect(() => {
    if (!modelName || !models) return undefined;
    const entry = models.find((m) => m.name === modelName);
    let opened = null;
    let stale = false;
    setSession(null);
    setModelError(null);
    setSweepState(IDLE);
    setEvalState(IDLE);
    ModelSession.open(entry, (e) => setFailure(e.message))
      .then((s) => {
        if (stale) s.close();
        else {
          opened = s;
          setSession(s);
        }
      })
      .catch((e) => !stale && setModelError(`Could not load ${entry.name}: ${e.message}`));
    return () => {
      stale = true;
      opened?.close();
      sweeping.current = false;
    };
  }, [modelName, models]);

  const evaluate = async () => {
    const { session: s, deleted: d, count: n, images: data } = latest.current;
    if (!s || !data?.images) return;
    if (sweeping.current) {
      evalWanted.current = true;
      setEvalState((prev) => ({ ...prev, status: 'pending' }));
      return;
    }
    evalWanted.current = false;
    const shown = [...d];
    setEvalState({ status: 'running', deleted: shown, imagesDone: 0, imagesTotal: n });
    try {
      const r = await s.evaluate(shown, data.records, n, (p) => setEvalState({ status: 'running', deleted: shown, ...p }));
      setEvalState({ status: 'done', deleted: shown, ...r });
    } catch (e) {
      if (e instanceof CancelledError) {
        // Cancelled by the user, or by a sweep (then it reruns afterwards); a newer
        // evaluation has already replaced the state, so leave that alone.
        const status = sweeping.current ? 'pending' : 'cancelled';
        setEvalState((prev) => (prev.deleted === shown && prev.status === 'running' ? { ...prev, status } : prev));
        return;
      }
      setEvalState({ status: 'error', deleted: shown });
      setFailure(e.message);
    }
  };

  useEffect(() => {
    evaluate();
  }, [session, deleted.join(','), count]);

  useEffect(() => {
    if (modelName) writeHash(modelName, deleted);
  }, [modelName, deleted.join(',')]);

  const runSweep = async () => {
    const { session: s, count: n, images: data } = latest.current;
    if (!s || !data?.images) return;
    if (evalState.status === 'running') evalWanted.current = true; // it is cancelled by the sweep
    sweeping.current = true;
    setSweepState({ status: 'running', imagesDone: 0, imagesTotal: n });
    try {
      const r = await s.sweepDeleteOne(data.records, n, (p) => setSweepState({ status: 'running', ...p }));
      setSweepState({ status: 'done', ...r });
    } catch (e) {
      if (e instanceof CancelledError) setSweepState((prev) => ({ ...prev, status: 'cancelled' }));
      else {
        setSweepState((prev) => ({ ...prev, status: 'error' }));
        setFailure(e.message);
      }
    } finally {
      sweeping.current = false;
      if (evalWanted.current && latest.current.session === s) evaluate();
    }
  };

  const cancel = () => session?.cancel();
  const toggle = (b) => setDeleted((prev) => (prev.includes(b) ? prev.filter((x) => x !== b) : [...prev, b].sort((x, y) => x - y)));

  const entry = models?.find((m) => m.name === modelName);
  return (
    <main>
      <header>
        <h1>Unravel</h1>
        <p class="subtitle">Residual networks behave like ensembles of relatively shallow networks — try it yourself.</p>
      </header>
      {fatal && <Notice kind="error" title="The lab could not start">{fatal}</Notice>}
      {failure && (
        <Notice kind="error" title="The engine stopped" action={<button type="button" onClick={() => location.reload()}>Reload the page</button>}>
          {failure}
        </Notice>
      )}
      {models && models.length === 0 && <Notice kind="error" title="No networks in this build">The build found no model files (models/manifest.json); rebuild the page after the models are in place.</Notice>}
      {images && !images.images && <Notice kind="warning" title="No test images in this build">{images.reason}. The networks can be inspected but not evaluated.</Notice>}
      {models && models.length > 0 && (
        <section class="panel">
          <div class="controls">
            <ModelPicker models={models} value={modelName} onChange={(name) => { setDeleted([]); setModelName(name); }} />
            {images?.images > 0 && <ImagesPicker available={images.images} value={count} onChange={setCount} />}
            <span class="engine-note" data-testid="engine-note">
              {session ? `${session.pool.size} worker${session.pool.size > 1 ? 's' : ''}, ${session.pool.simd ? 'WebAssembly SIMD' : 'plain WebAssembly'} (${session.pool.kernels} kernels)` : modelError ? '' : 'loading the network…'}
            </span>
          </div>
          {modelError && <Notice kind="error" title="Model not loaded">{modelError}</Notice>}
          {session && (
            <>
              <h2>Click blocks to delete them</h2>
              <BlockDiagram info={session.info} deleted={deleted} onToggle={toggle} onRestoreAll={() => setDeleted([])} />
              <AccuracyPanel state={evalState} deleted={deleted} onCancel={cancel} />
            </>
          )}
        </section>
      )}
      {session && entry && (
        <SweepPanel entry={entry} info={session.info} state={sweepState} available={images?.images > 0} onRun={runSweep} onCancel={cancel} disabled={!session} />
      )}
      <Explanation />
      <footer>
        Unravel reproduces Veit, Wilber &amp; Belongie, <em>Residual Networks Behave Like Ensembles of Relatively Shallow Networks</em>, NeurIPS 2016.
        The paper's curve is digitized from its Fig. 3. {images?.source ? `Test images: ${images.source}.` : ''}
      </footer>
    </main>
  );
}
