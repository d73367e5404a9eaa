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
        How much one block matters depends on the network: the paper measured a 110-layer network with 54
        blocks, where each block is a small share of the whole. A 20-layer network has only 9 blocks, and one
        trained briefly (as our resnet20 was, see its model card) leans on each of them much more. Compare
        with the plain network, which has no skip connections at all, and look at the card for the numbers.
      </p>
      <p>
        Everything here runs in your browser: the networks are small ResNets trained on CIFAR-10 (32×32 pictures of
        ten kinds of objects) and the page evaluates them on the test images shipped with it. Numbers are exact counts
        of correctly classified images, and always say how many images they rest on.
      </p>
    </section>
  );
}
