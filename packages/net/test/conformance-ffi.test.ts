import { type NetUnderTest, netConformance } from '@loopfast/conformance';
import { backend } from '@loopfast/ffi';
import { createLoopfast } from '../src/index.js';

// The suite also feeds deliberately bad options, so its view of the API is loosely typed.
netConformance(createLoopfast({ backend }) as unknown as NetUnderTest, backend);
