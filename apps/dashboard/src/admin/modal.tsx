import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A modal dialog as the silence dialog is one: the page behind is inert, Tab stays inside,
 * Escape calls `onClose`, and the focus goes back to what had it once the dialog is gone.
 */
export function ModalDialog(props: {
  labelledBy: string;
  onClose(): void;
  children: ComponentChildren;
  view?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => {
      if (d?.open) d.close();
      opener?.focus();
    };
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Tab' || !dialog.current) return;
    const focusable = [
      ...dialog.current.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href], [tabindex="0"]'),
    ].filter((el) => !el.hasAttribute('disabled'));
    if (focusable.length === 0) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby={props.labelledBy}
      aria-modal="true"
      data-dialog={props.view}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
      onKeyDown={onKeyDown}
    >
      {props.children}
    </dialog>
  );
}
