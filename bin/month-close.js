#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so a checkout needs no build step.
require('tsx/cjs');
require('../cli/main.ts');
