// OpenModel.jsx - the user's own network: a button that opens a .safetensors file, and the whole
// page as a drop target for one. The file is checked by a worker (lab.openFile); a valid one joins
// the picker and is kept in this browser for the next visit, removable here; a bad one is named
// with the core's message, and whatever was on screen stays.
import { useEffect, useRef, useState } from 'preact/hooks';
import { MAX_MODEL_TEXT } from '../userModels.js';

const hasFiles = (event) => Array.from(event.dataTransfer?.types ?? []).includes('Files');

// The page as a drop target: over (a file is dragged over it) while a drag is on, drop(files).
function useDropTarget(onFiles) {
  const [over, setOver] = useState(false);
  const latest = useRef(onFiles);
  latest.current = onFiles;
  useEffect(() => {
    let depth = 0; // dragenter/dragleave fire for every element crossed
    const enter = (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setOver(true);
    };
    const overPage = (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // without it the browser would open the file in place of the page
      e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const drop = (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      const files = Array.from(e.dataTransfer.files ?? []);
      if (files.length) latest.current(files);
    };
    addEventListener('dragenter', enter);
    addEventListener('dragover', overPage);
    addEventListener('dragleave', leave);
    addEventListener('drop', drop);
    return () => {
      removeEventListener('dragenter', enter);
      removeEventListener('dragover', overPage);
      removeEventListener('dragleave', leave);
      removeEventListener('drop', drop);
    };
  }, []);
  return over;
}

/** current: the selected network's entry; onOpened(name) selects one; onRemoved(name) after removal. */
export function OpenModel({ lab, current, onOpened, onRemoved }) {
  const input = useRef(null);
  const [opening, setOpening] = useState(null); // the file being opened
  const [problems, setProblems] = useState([]);
  const [notes, setNotes] = useState([]);

  const open = async (files) => {
    setProblems([]);
    setNotes([]);
    const bad = [];
    const said = [];
    let last = null;
    for (const file of files) {
      setOpening(file.name);
      try {
        const { entry, duplicate, stored } = await lab.openFile(file);
        last = entry;
        if (duplicate) said.push(`${file.name} is already open as ${entry.name} (the same file, by its SHA-256).`);
        else if (stored !== true) said.push(`${entry.name} is open for this visit only: this browser did not keep it (${stored}).`);
      } catch (e) {
        bad.push(e.message);
      }
    }
    setOpening(null);
    setProblems(bad);
    setNotes(said);
    if (last) onOpened(last.name);
  };
  const over = useDropTarget(open);

  const remove = async () => {
    const name = current.name;
    setProblems([]);
    setNotes([]);
    try {
      await lab.removeUserModel(name);
      setNotes([`${name} was removed from this browser.`]);
    } catch (e) {
      setProblems([`${name}: could not be removed from this browser's storage (${e.message}).`]);
    }
    onRemoved(name);
  };

  return (
    <div class="open-model">
      <div class="open-row">
        <button type="button" class="secondary" data-testid="open-model" onClick={() => input.current.click()} disabled={!!opening}>Open your own model…</button>
        <input ref={input} type="file" accept=".safetensors" multiple hidden data-testid="open-model-input"
          onChange={(e) => {
            const files = Array.from(e.currentTarget.files ?? []);
            e.currentTarget.value = ''; // the same file chosen again still fires a change
            if (files.length) open(files);
          }} />
        {current?.user && (
          <button type="button" class="secondary" data-testid="remove-model" onClick={remove}>Remove {current.name} from this browser</button>
        )}
        {opening && <span class="open-status" role="status" data-testid="opening">Checking {opening}…</span>}
      </div>
      {current?.user && (
        <p class="open-note" data-testid="user-model-about">
          <strong>{current.name}</strong> is your file {current.fileName}: {current.about ?? 'a network'} (SHA-256 {current.sha256.slice(0, 16)}…).
        </p>
      )}
      <p class="open-note" data-testid="privacy-note">
        Or drop a .safetensors file on the page (up to {MAX_MODEL_TEXT}; the format of models/FORMAT.md, which models/import_torch.py
        makes from PyTorch checkpoints). <strong>The file is opened in your browser only; nothing is uploaded anywhere.</strong>
        {' '}It stays in this browser for your next visit, until you remove it.
        {lab.storageProblem && ` (This browser's storage is not available here, so files stay for this visit only: ${lab.storageProblem}.)`}
      </p>
      {problems.length > 0 && (
        <div class="notice notice-error" role="alert" data-testid="open-errors">
          <strong>{problems.length === 1 ? 'This file could not be opened' : 'These files could not be opened'}</strong>
          <ul class="open-problems">{problems.map((p, i) => <li key={i} data-testid="open-error">{p}</li>)}</ul>
          <button type="button" class="secondary small" onClick={() => setProblems([])}>Dismiss</button>
        </div>
      )}
      {notes.length > 0 && <p class="open-note" role="status" data-testid="open-notes">{notes.join(' ')}</p>}
      {over && (
        <div class="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
          <div>Drop a .safetensors file to open it here, in this browser only (up to {MAX_MODEL_TEXT}).</div>
        </div>
      )}
    </div>
  );
}
