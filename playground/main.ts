// The playground's page: three sections, each mounted by its own module. The digit model lives on this thread
// (it predicts as you draw); both trainings run in Workers, so drawing and scrolling never wait for them.
import './base.css';
import { mountLearn } from './learn.js';
import { mountDigits } from './digits.js';
import { mountModel } from './model-view.js';

const section = (id: string): HTMLElement => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`playground: the page has no #${id}`);
  return element;
};

mountLearn(section('learn'));
const digits = await mountDigits(section('digits'));
await mountModel(section('model'), digits);
// NOTE: the end-to-end tests wait for this before they touch the page.
document.documentElement.dataset.ready = 'true';
