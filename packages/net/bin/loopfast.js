#!/usr/bin/env node
// The command's file exists before the build, so that installing the workspace can link it as a
// bin; the command itself is compiled to dist/cli/main.js.
import '../dist/cli/main.js';
