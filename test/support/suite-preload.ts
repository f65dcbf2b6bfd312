/** Loaded by run-suite into every test file's process (`node --require`): starts the file's record. */
import { installRecorder } from './suite-record';

installRecorder();
