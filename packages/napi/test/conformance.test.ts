import { backendConformance } from '@loopfast/conformance';
import { backend } from '../src/index.js';

backendConformance(backend);
