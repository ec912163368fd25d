#!/usr/bin/env node
// The `vivarium` command. All the work is in runCli; this file only binds it to the process.
import { processCliIo, runCli } from './cli.ts';

const exitCode = await runCli(process.argv.slice(2), processCliIo());
// Exit explicitly: the server is closed by now, and a stray handle must not keep the command alive.
process.exit(exitCode);
