/**
 * Which backends the backend-sensitive tests (losses, kernels) loop over: always 'cpu' and 'wasm'
 * (both ship with kdlab, so failing to load them is a failure, not a skip), plus 'tensorflow' when
 * @tensorflow/tfjs-node(-gpu) loads here. CI sets KDLAB_REQUIRE_TENSORFLOW=1 after
 * `kdlab setup tensorflow`, turning a silently missing tensorflow backend into an error.
 */
import * as backend from '../../lib/backend';
import type { BackendName } from '../../lib/backend';

export async function testBackends(): Promise<BackendName[]> {
  const names: BackendName[] = ['cpu', 'wasm'];
  const avail = await backend.available();
  if (avail.includes('tensorflow')) names.push('tensorflow');
  else if (process.env.KDLAB_REQUIRE_TENSORFLOW === '1') {
    // init('tensorflow') throws the explanatory error (what is missing, how to install it).
    try {
      await backend.init('tensorflow');
    } catch (err) {
      throw new Error(`KDLAB_REQUIRE_TENSORFLOW=1 but the tensorflow backend cannot load: ${(err as Error).message}`, {
        cause: err,
      });
    }
    throw new Error('KDLAB_REQUIRE_TENSORFLOW=1 but available() does not list tensorflow although it loads');
  }
  return names;
}
