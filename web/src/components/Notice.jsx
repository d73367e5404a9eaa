// Notice.jsx - a visible message box (errors, warnings, notes): the page never fails blank.
export function Notice({ kind = 'info', title, children, action }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={`notice-${kind}`}>
      {title && <strong>{title}</strong>}
      <div>{children}</div>
      {action}
    </div>
  );
}
