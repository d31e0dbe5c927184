import t from 'tap';
import { planGeometry, toSourceX, toSourceY } from '../../agent/preprocess/geometry.js';

t.test('letterbox top-left keeps aspect and puts padding right or bottom', async (t) => {
  const g = planGeometry(1280, 720, 192, 192, 'letterbox', 'top-left');
  t.equal(g.scaleX, 0.15);
  t.equal(g.scaleY, 0.15);
  t.equal(g.contentWidth, 192);
  t.equal(g.contentHeight, 108);
  t.equal(g.offsetX, 0);
  t.equal(g.offsetY, 0);
  t.equal(toSourceX(g, 96), 640);
  t.equal(toSourceY(g, 54), 360);
});

t.test('letterbox centre offsets the content and maps back through the offset', async (t) => {
  const g = planGeometry(100, 200, 64, 64, 'letterbox', 'center');
  t.equal(g.contentWidth, 32);
  t.equal(g.contentHeight, 64);
  t.equal(g.offsetX, 16);
  t.equal(toSourceX(g, 16), 0);
  t.equal(toSourceX(g, 48), 100);
});

t.test('stretch scales each axis on its own', async (t) => {
  const g = planGeometry(640, 480, 320, 320, 'stretch', 'top-left');
  t.equal(g.scaleX, 0.5);
  t.equal(g.scaleY, 320 / 480);
  t.equal(toSourceY(g, 320), 480);
});

t.test('a tiny source never plans a zero-size content', async (t) => {
  const g = planGeometry(1, 1000, 192, 192, 'letterbox', 'top-left');
  t.equal(g.contentWidth, 1);
  t.equal(g.contentHeight, 192);
});
