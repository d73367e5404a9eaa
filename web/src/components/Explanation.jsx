// Explanation.jsx - what the lab shows, in plain words, and what deleting one block does to each
// network shipped here beside the paper's ResNet-110: every number comes from the committed
// delete-one sweeps (the build puts them in each manifest entry as delete_one), none is typed in.
import { figures, PAPER_BLOCKS, PAPER_DOWNSAMPLING } from '../paper.js';
import { andList as list, percent } from '../format.js';
import { deleteOneFacts } from '../sweepFacts.js';

const CHANCE = 0.9;
const AT_CHANCE = 0.8; // an error this high has gone to chance (models/zoo_report.py's AT_CHANCE too)
const points = (x) => `${(100 * x).toFixed(1)} points`;

function paperFacts() {
  const fig = figures.fig3_delete_one_block;
  const down = new Set(PAPER_DOWNSAMPLING);
  return deleteOneFacts(fig.baseline_error, fig.resnet110.map((error, i) => ({ block: i + 1, error })), (b) => down.has(b));
}

/** [{entry, facts}] of the shipped networks with a committed sweep, most blocks first. */
function measured(models) {
  return models
    .filter((m) => !m.user && m.delete_one && Array.isArray(m.downsampling))
    .map((m) => {
      const down = new Set(m.downsampling);
      const errors = m.delete_one.errors.map((error, i) => ({ block: i + 1, error }));
      return { entry: m, plain: m.kind === 'plain', facts: deleteOneFacts(m.delete_one.base_error, errors, (b) => down.has(b)) };
    })
    .sort((a, b) => b.entry.num_blocks - a.entry.num_blocks);
}

/** Why an option-A network goes to chance when a downsampling block goes: the zoo's controls
 * (projection shortcuts; option A trained with dropped blocks), each said only as measured. */
function Why({ rest, paper }) {
  const lost = (n) => Math.max(...n.facts.down.map((d) => d.error - n.facts.base));
  const nearPaper = (n) => lost(n) <= 2 * Math.max(...paper.down.map((d) => d.error - paper.base));
  const projection = rest.filter((n) => /shortcut B/.test(n.entry.about));
  const dropped = rest.filter((n) => /shortcut A/.test(n.entry.about) && /stochastic depth|short paths/.test(n.entry.about));
  const parts = [' Option-A shortcuts fill half of the next stage\'s channels with zeros once the block is gone.'];
  for (const n of projection) {
    parts.push(` ${n.entry.name}, with projection shortcuts (1×1 convolutions), loses at most ${points(lost(n))} there: ${nearPaper(n) ? 'about what the paper\'s network lost' : `off chance, but far more than the paper's network`}.`);
  }
  const near = dropped.filter(nearPaper);
  if (near.length) parts.push(` ${list(near.map((n) => n.entry.name))}, option A trained with blocks dropped, ${near.length > 1 ? 'lose' : 'loses'} at most ${list(near.map((n) => points(lost(n))))}: zero channels alone do not send a network to chance; how its blocks were trained matters.`);
  if (!projection.length && !near.length) parts.push(' Whether that, or their training, makes the difference is what the model cards test.');
  parts.push(' The model card weighs the evidence.');
  return parts.join('');
}

function ZooTable({ models }) {
  const nets = measured(models);
  if (!nets.length) return null;
  const paper = paperFacts();
  const residual = nets.filter((n) => !n.plain);
  const plain = nets.filter((n) => n.plain);
  const fatal = residual.filter((n) => n.facts.down.length && n.facts.down.every((d) => d.error >= AT_CHANCE));
  const rest = residual.filter((n) => n.facts.down.length && !fatal.includes(n));
  const images = nets[0].entry.delete_one.images;
  const cell = (f) => `${points(f.medianCost)} (worst ${points(f.worst ? f.worst.error - f.base : NaN)})`;
  const downCell = (f) => f.down.map((d) => `${d.block}: ${percent(d.error)}`).join(', ');
  return (
    <>
      <p data-testid="explanation-measured">
        How much one block matters depends on the network. Measured on {images} test images, deleting one ordinary block
        (not block 1, not a downsampling block) raises the error by a median of{' '}
        {list(residual.map((n) => `${points(n.facts.medianCost)} in the ${n.entry.num_blocks}-block ${n.entry.name}`))}; the
        paper's {PAPER_BLOCKS}-block ResNet-110 lost {points(paper.medianCost)}. The more blocks share the work, the less each one carries.
        {plain.map((n) => ` ${n.entry.name}, with no skip connections at all, gives ${percent(n.facts.lowest)} to ${percent(n.facts.highest)} error whatever layer is removed${n.facts.lowest >= AT_CHANCE ? ': it goes to chance, as the paper\'s plain network did' : ''}.`).join('')}
        {fatal.length > 0 && ` Deleting a downsampling block sends ${list(fatal.map((n) => n.entry.name))} to chance (${percent(AT_CHANCE, 0)} error or more), where the paper's network lost about ${points(paper.down[0].error - paper.base)}.`}
        {rest.length > 0 && ` ${fatal.length ? 'It costs' : 'Deleting a downsampling block costs'} ${list(rest.map((n) => `${n.entry.name} ${list(n.facts.down.map((d) => points(d.error - n.facts.base)))}`))}${fatal.length ? '' : `, where the paper's network lost about ${points(paper.down[0].error - paper.base)}`}.`}
        {fatal.some((n) => /shortcut A/.test(n.entry.about)) && <Why rest={rest} paper={paper} />}
      </p>
      <p class="zoo-table-title" id="zoo-table-title">Deleting one block, every network here (test error; chance is {percent(CHANCE, 0)})</p>
      <div class="table-scroll">
        <table class="zoo-table" data-testid="explanation-table" aria-labelledby="zoo-table-title">
          <thead>
            <tr><th scope="col">network</th><th scope="col">blocks</th><th scope="col">error, nothing deleted</th><th scope="col">an ordinary block deleted: median rise (worst)</th><th scope="col">a downsampling block deleted</th><th scope="col">block 1 deleted</th></tr>
          </thead>
          <tbody>
            {nets.map(({ entry, facts }) => (
              <tr key={entry.name} data-model={entry.name} data-median={facts.medianCost}>
                <th scope="row">{entry.name}</th><td>{entry.num_blocks}</td><td>{percent(facts.base)}</td><td>{cell(facts)}</td><td>{downCell(facts)}</td><td>{percent(facts.first)}</td>
              </tr>
            ))}
            <tr data-model="paper"><th scope="row">the paper's ResNet-110 (Fig. 3)</th><td>{PAPER_BLOCKS}</td><td>{percent(paper.base)}</td><td>{cell(paper)}</td><td>{downCell(paper)}</td><td>{percent(paper.first)}</td></tr>
          </tbody>
        </table>
      </div>
    </>
  );
}

export function Explanation({ models = [] }) {
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
      <ZooTable models={models} />
      <p>
        Everything here runs in your browser: the networks are small ResNets trained on CIFAR-10 (32×32 pictures of
        ten kinds of objects) and the page evaluates them on the test images shipped with it. Numbers are exact counts
        of correctly classified images, and always say how many images they rest on.
      </p>
    </section>
  );
}
