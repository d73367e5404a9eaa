// Explanation.jsx - what the lab shows, in plain words.
export function Explanation() {
  return (
    <section class="panel explanation">
      <h2>What is going on</h2>
      <p>
        A residual network is a stack of <em>blocks</em>. Each block computes a small correction and adds it to
        what it received, so every block has a <em>skip connection</em> around it. Veit, Wilber and Belongie
        (NeurIPS 2016) noticed that this makes the network behave like a large collection of shorter
        networks — each path through it either goes through a block or skips it — rather than one deep chain.
      </p>
      <p>
        Their test: delete a block at test time, keeping its skip connection, and see what happens. In an
        ordinary deep network, removing a layer breaks the chain and accuracy collapses. In a residual network most
        blocks can be removed with only a small rise in error, because most paths do not depend on any one block.
        Deleting several blocks makes the error grow smoothly. The exceptions are the <em>downsampling</em> blocks
        (marked ↓2), where the shortcut itself changes the shape of the signal.
      </p>
      <p>
        How much one block matters depends on the network. Our resnet110 has 54 blocks, like the paper's network,
        and behaves like it: deleting almost any single block changes its error by less than a point. Each block of
        the 27-block resnet56 carries a bigger share (about 1.5 points each) and each of the 9 blocks of resnet20 far
        more. Compare with plain20, which has no skip connections at all: deleting any one layer sends it to chance.
        The downsampling blocks are the exception everywhere: here their shortcut fills half the channels with zeros,
        so deleting one leaves the rest of the network guessing. The model cards (models/README.md in the project)
        give every number.
      </p>
      <p>
        Everything here runs in your browser: the networks are small ResNets trained on CIFAR-10 (32×32 pictures of
        ten kinds of objects) and the page evaluates them on the test images shipped with it. Numbers are exact counts
        of correctly classified images, and always say how many images they rest on.
      </p>
    </section>
  );
}
