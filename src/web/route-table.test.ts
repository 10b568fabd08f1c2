// Tests for the route table: literal paths only, methods remembered per path.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hono } from 'hono';
import type { WebEnv } from './context.ts';
import { RouteTable } from './route-table.ts';

test('a route with a parameter or wildcard is refused, so CSRF exemption stays exact', () => {
  const routes = new RouteTable(new Hono<WebEnv>());
  assert.throws(() => routes.post('/account/methods/:id', (c) => c.text('x')), /parameters and wildcards are not allowed/);
  assert.throws(() => routes.get('/assets/*', (c) => c.text('x')), /parameters and wildcards are not allowed/);
});

test('methods are remembered per literal path', () => {
  const routes = new RouteTable(new Hono<WebEnv>());
  routes.get('/a', (c) => c.text('a'));
  routes.post('/a', (c) => c.text('a'));
  assert.deepEqual(routes.allowedMethods('/a')?.sort(), ['GET', 'HEAD', 'POST']);
  assert.equal(routes.isHandled('post', '/a'), true);
  assert.equal(routes.isHandled('POST', '/b'), false);
  assert.equal(routes.allowedMethods('/b'), undefined);
});
