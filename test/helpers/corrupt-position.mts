/**
 * Writes NaN into one scan position of a CXI entry, in its own process: h5wasm keeps files
 * open across handles within a process, so a write from the test process itself could sit in
 * its cache while other processes read the file. Usage: corrupt-position.mts FILE ENTRY
 */
import { h5, type Dataset } from '../../src/io/h5.ts';

const [file, entry] = process.argv.slice(2);
const api = await h5();
const f = new api.File(file, 'a');
(f.get(`${entry}/sample_1/geometry_1/translation`) as Dataset).write_slice([[3, 4], [0, 3]], new Float64Array([NaN, NaN, NaN]));
f.flush();
f.close();
