"""Coffer driven by the AWS SDK for JavaScript v3 (node:test files under tests/e2e/js/).

scripts/setup installs the pinned SDK with `npm ci`; this test fails (it does not skip) when it is
missing, because CI must not silently lose a client.
"""

import os
import subprocess
import unittest

from harness import CofferTestCase, run_tests

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


class JavaScriptSdkTest(CofferTestCase):
    def run_node_tests(self, test_file):
        self.assertTrue(
            os.path.isdir(os.path.join(JS_DIR, "node_modules", "@aws-sdk")),
            "the AWS SDK for JavaScript is not installed; run scripts/setup (npm ci in tests/e2e/js)")
        env = dict(os.environ)
        env.update({
            "COFFER_ENDPOINT": self.server.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.server.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.server.secret_access_key,
            "AWS_REGION": "us-east-1",
        })
        proc = subprocess.run(["node", "--test", test_file], cwd=JS_DIR, env=env,
                              capture_output=True, text=True, timeout=180)
        self.assertEqual(proc.returncode, 0,
                         f"node --test {test_file} failed:\n{proc.stdout}\n{proc.stderr}")
        self.assertIn("# fail 0", proc.stdout)

    def test_secrets_manager(self):
        self.run_node_tests("secretsmanager.test.mjs")


if __name__ == "__main__":
    run_tests()
