import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as kd from '../../lib';

test('package exposes its namespaces', () => {
  for (const ns of [
    'backend',
    'losses',
    'features',
    'models',
    'data',
    'distill',
    'callbacks',
    'compress',
    'plot',
    'terms',
  ]) {
    assert.equal(typeof (kd as Record<string, unknown>)[ns], 'object', ns);
  }
});
