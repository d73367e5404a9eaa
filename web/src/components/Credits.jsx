// Credits.jsx - the page's footer: what it reproduces, where its test images come from and on
// what terms, and the licences of the code and the weights (LICENSE, CITATION.cff).
const CIFAR_URL = 'https://www.cs.toronto.edu/~kriz/cifar.html';
const PAPER_URL = 'https://arxiv.org/abs/1605.06431';

const ORIGIN = {
  official: 'cut from the official CIFAR-10 binary tarball (its published MD5 checked)',
  other: 'cut from a copy that is not the official download (the tarball\'s MD5 differs; in the Unravel workplace it is a JPEG-derived copy, so pixels differ from the originals and accuracies run a few points lower)',
  unknown: 'cut from the CIFAR-10 data the page was built with (a folder or a single batch, so whether it is the official download was not checked)',
};

/** images: the lab's test images ({images, source, origin}) or null while loading. */
export function Credits({ images }) {
  return (
    <footer data-testid="credits">
      <p>
        Unravel reproduces A. Veit, M. Wilber &amp; S. Belongie, <a href={PAPER_URL}><em>Residual Networks Behave Like Ensembles of Relatively Shallow Networks</em></a>, NeurIPS 2016.
        The paper's values are digitized from its figures.
      </p>
      <p data-testid="credits-data">
        Test images: CIFAR-10, A. Krizhevsky, <a href={CIFAR_URL}><em>Learning Multiple Layers of Features from Tiny Images</em></a>, University of Toronto, 2009.
        {images?.images ? ` This page ships the ${images.source}, ${ORIGIN[images.origin] ?? ORIGIN.unknown}.` : ' This build ships no test images.'}
        {' '}CIFAR-10 is offered by its authors without a stated licence, asking that work using it cite the report above; the
        images were collected from the web and remain their owners'. Live runs use only the images shipped with the page; nothing is uploaded.
      </p>
      <p>
        Code: MIT licence. Trained weights: CC BY 4.0 (credit "Unravel, trained weights"). See LICENSE and CITATION.cff in the project.
      </p>
    </footer>
  );
}
