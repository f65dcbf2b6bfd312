"""jupyter_kernel_test (the Jupyter project's conformance suite) against the kdlab kernel.

Run with Debian's Python, which has the python3-jupyter-kernel-test package:
    JUPYTER_PATH=<dir with kernels/kdlab> /usr/bin/python3 -m unittest test/kernel/kernel_test_kdlab.py
test/kernel/kernel_test.test.ts installs the kernelspec into a temp JUPYTER_DATA_DIR and runs this.
Every attribute KernelTests knows is set, except code_page_something (kdlab has no pager payloads).
"""

import os
import unittest

import jupyter_kernel_test

# The suite waits 15 s for a reply; a TypeScript cell is type-checked against kdlab's and TensorFlow.js's
# declarations, which on a loaded CI machine can take longer. Only the waiting is relaxed, not the checks.
SLOW_MACHINE_TIMEOUT = 120
jupyter_kernel_test.TIMEOUT = SLOW_MACHINE_TIMEOUT


class KdlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("KDLAB_KERNEL_NAME", "kdlab")

    def execute_helper(self, code, timeout=SLOW_MACHINE_TIMEOUT, **kwargs):
        return super().execute_helper(code, timeout=timeout, **kwargs)

    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("some error")'

    completion_samples = [
        {"text": "Math.flo", "matches": {"floor"}},
        {"text": "const abcdef = 1, abcxyz = 2;\nabc", "matches": {"abcdef", "abcxyz"}},
    ]

    complete_code_samples = ["1 + 1", "let answer = 42;", "function f(x: number) {\n  return x;\n}", "/* just a comment */"]
    incomplete_code_samples = ["if (answer > 0) {", "const xs = [1, 2,", "f(1,", "const t = `an open template"]
    invalid_code_samples = [")", "let 1 = 2;", "x = 1)", 'const s = "unterminated']

    code_generate_error = 'throw new Error("this is an error")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"kd" + "lab"', "result": "'kdlab'"},
        {"code": "[1, 2, 3].map((x) => x * x)", "result": "[ 1, 4, 9 ]"},
    ]

    code_display_data = [
        {"code": 'display({ "text/html": "<b>bold</b>", "text/plain": "bold" }, { raw: true })', "mime": "text/html"},
        {"code": 'import * as tslab from "tslab";\ntslab.display.png(new Uint8Array([137, 80, 78, 71]))', "mime": "image/png"},
        {"code": "display(kd.plot.figure({ data: [{ x: [1, 2, 3], y: [3, 1, 2], type: 'scatter' }] }))", "mime": "application/vnd.plotly.v1+json"},
    ]

    code_history_pattern = "6 ?*"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.floor"

    code_clear_output = "clearOutput()"


if __name__ == "__main__":
    unittest.main()
