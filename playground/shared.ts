// What the page's sections share: the digit model (the digits section owns it; the model section shows it and
// can replace it with a model the user loads), and small DOM helpers every section uses.
import type { Sequential } from 'neurasm';

/** The digit model as the digits section holds it: the one the page predicts with. */
export interface DigitModelHost {
  /** The model in use now. */
  current(): Sequential;
  /** Where it came from, in plain words ("shipped with the site", "trained here", "loaded from model.json"). */
  source(): string;
  /** Puts `model` in use (the previous one is disposed); throws a clear Error, changing nothing, if it cannot read digits. */
  replace(model: Sequential, source: string): void;
  /** Calls `listener` after every replace. */
  onChange(listener: (model: Sequential) => void): void;
}

/** An element with a class and children: `el('div', 'card', child, 'text')`. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  element.append(...children);
  return element;
}

/** A message area for one section: `show(text)` for news, `fail(error)` for errors (role=alert), `clear()`. */
export function messages(container: HTMLElement): { show(text: string): void; fail(error: unknown): void; clear(): void } {
  const box = el('p', 'message');
  box.setAttribute('aria-live', 'polite');
  container.append(box);
  return {
    show(text) { box.className = 'message'; box.removeAttribute('role'); box.textContent = text; },
    fail(error) {
      box.className = 'message error';
      box.setAttribute('role', 'alert');
      box.textContent = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
    },
    clear() { box.className = 'message'; box.removeAttribute('role'); box.textContent = ''; },
  };
}
