"""Builds the extension `tangle._tangle` with the project's CMake for pip (see pyproject.toml).

The CMake build goes to a fresh directory under setuptools' build_temp, configured for the
interpreter that runs pip. TANGLE_CMAKE_BUILD_DIR=DIR instead reuses an already configured
build (the project's `build/`): only its `_tangle` target is brought up to date, and its cache
is left as it is (the tests install from the build they just made this way).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
(ROOT / "build-setuptools").mkdir(exist_ok=True)  # setup.cfg keeps setuptools files there


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        reuse = os.environ.get("TANGLE_CMAKE_BUILD_DIR")
        if reuse:
            build_dir = Path(reuse).resolve()
            if not (build_dir / "CMakeCache.txt").is_file():
                raise RuntimeError(f"TANGLE_CMAKE_BUILD_DIR={reuse}: not a configured CMake build (no CMakeCache.txt)")
        else:
            build_dir = Path(self.build_temp).resolve() / "cmake"
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                            f"-DTANGLE_PYTHON={sys.executable}", "-DTANGLE_BUILD_TESTS=OFF"], check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_tangle", "-j", jobs], check=True)

        built = sorted((build_dir / "python" / "tangle").glob("_tangle*.so"))
        if len(built) != 1:
            raise RuntimeError(f"expected one _tangle*.so in {build_dir / 'python' / 'tangle'}, found {built}")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[0], target)


setup(ext_modules=[CMakeExtension("tangle._tangle")], cmdclass={"build_ext": CMakeBuild})
