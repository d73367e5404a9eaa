// OrderNote.jsx - a lesion that runs the blocks in another order (from a link): which order, and
// a way back to the usual one.
export function OrderNote({ order, onRestore }) {
  const moved = order.filter((b, i) => b !== i + 1);
  return (
    <p class="order-note" data-testid="order-note">
      The blocks run in the order {order.join(', ')} ({moved.length} moved), as the link asked.{' '}
      <button type="button" class="link" onClick={onRestore}>usual order</button>
    </p>
  );
}
