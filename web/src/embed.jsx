// embed.jsx - the lab inside a course page's iframe. Embed mode (hash key embed=1) drops the
// page chrome for a bar with an "open full lab" link. Whenever the page is framed (embed mode or
// not) it tells its parent its content height on every layout change, so the host can size the
// frame, with two messages:
//   {subject: 'lti.frameResize', height}                       the LMS convention (Canvas, Moodle...)
//   {type: 'unravel:resize', height, href}                     the generic one (README: Embedding)
// Heights are CSS pixels of the whole document.

/** This page's URL without embed=1: the full lab, in the same state. */
export function fullLabUrl() {
  const hash = location.hash.replace(/^#/, '').split('&').filter((p) => p && !/^embed=/.test(p)).join('&');
  return `${location.href.split('#')[0]}${hash ? `#${hash}` : ''}`;
}

export function EmbedBar() {
  return (
    <div class="embed-bar" data-testid="embed-bar">
      <strong>Unravel</strong>
      <span class="embed-title">residual networks as ensembles, live</span>
      <a href={fullLabUrl()} target="_blank" rel="noopener" data-testid="open-full-lab" onClick={(e) => (e.currentTarget.href = fullLabUrl())}>open full lab ↗</a>
    </div>
  );
}

/** Start telling the parent frame the content height (no-op when not framed). */
export function startFrameResize() {
  if (window.parent === window) return;
  let last = -1;
  const post = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    try {
      window.parent.postMessage({ subject: 'lti.frameResize', height }, '*');
      window.parent.postMessage({ type: 'unravel:resize', height, href: location.href }, '*');
    } catch {
      // a parent that cannot be reached: nothing to size
    }
  };
  if (typeof ResizeObserver === 'function') new ResizeObserver(post).observe(document.body);
  addEventListener('load', post);
  post();
}
