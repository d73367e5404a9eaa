// ShareLink.jsx - "Copy link": the URL reproduces what is on screen (urlState.js writes it at
// every change). "Customize link": a classroom link that shows only the chosen panels (show=)
// and, for a course page's iframe, embed mode (embed=1).
import { useState } from 'preact/hooks';
import { PANELS } from '../urlState.js';

const NAMES = {
  lesion: 'blocks and accuracy', 'delete-one': 'delete one', 'delete-k': 'delete k', reorder: 'shuffle', drop: 'drop and ensemble',
  gradients: 'gradient flow', paths: 'paths', 'test-images': 'test images', explanation: 'explanation text',
};

/** The current link with show= and embed= replaced. */
function customLink(show, embed) {
  const kept = location.hash.replace(/^#/, '').split('&').filter((p) => p && !/^(show|embed)=/.test(p));
  if (show.length < PANELS.length) kept.push(`show=${show.join(',')}`);
  if (embed) kept.push('embed=1');
  return `${location.href.split('#')[0]}#${kept.join('&')}`;
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false; // no clipboard here (an iframe without permission, plain http): the text box stays
  }
}

export function ShareLink({ show, embed }) {
  const [note, setNote] = useState('');
  const [chosen, setChosen] = useState(() => show ?? PANELS);
  const [asEmbed, setAsEmbed] = useState(embed);
  const [custom, setCustom] = useState('');
  const copyCurrent = async () => {
    setNote((await copy(location.href)) ? 'Link copied.' : 'Copy the link from the address bar (this page may not use the clipboard here).');
    setTimeout(() => setNote(''), 4000);
  };
  const toggle = (p) => setChosen((prev) => (prev.includes(p) ? prev.filter((x) => x !== p) : PANELS.filter((x) => x === p || prev.includes(x))));
  const makeCustom = async () => {
    const link = customLink(chosen, asEmbed);
    setCustom(link);
    await copy(link);
  };
  return (
    <div class="share">
      <button type="button" class="secondary" data-testid="copy-link" onClick={copyCurrent}>Copy link</button>
      <span class="share-note" role="status" data-testid="copy-note">{note}</span>
      <details class="customize">
        <summary>Customize link</summary>
        <fieldset>
          <legend>Show these panels</legend>
          {PANELS.map((p) => (
            <label key={p} class="check"><input type="checkbox" checked={chosen.includes(p)} data-testid={`show-${p}`} onChange={() => toggle(p)} /> {NAMES[p]}</label>
          ))}
          <label class="check"><input type="checkbox" checked={asEmbed} data-testid="show-embed" onChange={() => setAsEmbed(!asEmbed)} /> for an iframe (embed mode)</label>
        </fieldset>
        <button type="button" class="secondary" data-testid="make-link" onClick={makeCustom}>Make the link</button>
        {custom && <input class="custom-link" type="text" readOnly value={custom} data-testid="custom-link" aria-label="the customized link" onFocus={(e) => e.currentTarget.select()} />}
      </details>
    </div>
  );
}
