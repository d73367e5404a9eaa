// boot.js - a classic script that runs before the page's module: if that module cannot load or
// run (opened from file://, a missing app.js, a browser too old for modules, a script error
// before the lab starts), the page says so in plain words instead of "Loading..." forever. An
// external file, so that it runs under a Content-Security-Policy that forbids inline scripts.
(function () {
  function show(title, text) {
    var app = document.getElementById('app');
    if (!app || window.unravelStarted) return;
    var box = document.createElement('div');
    box.className = 'notice notice-error';
    box.setAttribute('role', 'alert');
    box.setAttribute('data-testid', 'notice-error');
    var strong = document.createElement('strong');
    strong.textContent = title;
    var body = document.createElement('div');
    body.textContent = text;
    box.appendChild(strong);
    box.appendChild(body);
    var main = document.createElement('main');
    var header = document.createElement('header');
    var h1 = document.createElement('h1');
    h1.textContent = 'Unravel';
    header.appendChild(h1);
    main.appendChild(header);
    main.appendChild(box);
    app.innerHTML = '';
    app.appendChild(main);
  }
  window.unravelShowBootError = show;
  var fromFile = location.protocol === 'file:';
  var FILE = 'This page was opened from a file (file://), and browsers do not run its scripts from there. Serve its folder instead ' +
    '(for example `python3 -m http.server` inside it, then open http://localhost:8000/), or open the single-file build (unravel.html).';
  // Capture: the error event of a <script> that fails to load does not bubble.
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t.tagName === 'SCRIPT') {
      if (fromFile) show('Opened from a file', FILE);
      else show('The lab could not load its code', 'The file ' + (t.getAttribute('src') || 'app.js') + ' could not be loaded from this server. Whoever hosts the lab should copy the whole web/dist folder, as it is; or reload the page.');
    } else if (e.message) {
      show('The lab could not start', String(e.message) + ' (an old browser? Any current Chrome, Edge, Firefox or Safari runs the lab.)');
    }
  }, true);
  // A browser without module scripts runs the nomodule script in index.html, which calls this.
  window.unravelTooOld = function () {
    show('This browser is too old for the lab', 'The lab needs a browser from 2020 or later (JavaScript modules, WebAssembly, Web Workers): any current Chrome, Edge, Firefox or Safari.');
  };
})();
