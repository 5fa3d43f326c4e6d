"""Sphinx configuration of the Python API reference (`make docs`).

autodoc reads the docstrings of the built package (PYTHONPATH=<build>/python); the names bound in
C++ (python/src/*_bindings.cpp) carry theirs in the pybind11 ``.def`` calls. A public name without
a docstring fails the build in one of three ways (``sphinx-build -W`` makes warnings errors):

- a Python function, class or method: autodoc leaves it out (no ``undoc-members``), so
  ``sphinx.ext.coverage`` (``-b coverage``) lists it in python.txt, which `make docs` requires
  to be empty;
- a C++-bound function, class or method: pybind11 always fills ``__doc__`` with a signature, so
  neither autodoc nor coverage sees it as undocumented; ``_process_docstring`` warns when nothing
  but that signature is left;
- a property (Python or C++-bound), which coverage does not check: ``_check_public_names`` warns,
  and also when a public function or class of a public module is missing from the reference.
"""

import importlib
import inspect
import re

from sphinx.util import logging

project = "tangle"
copyright = "the tangle authors"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.coverage"]
html_theme = "alabaster"

# No undoc-members: a Python function, class or method without a docstring stays out of the
# reference, and the coverage report names it.
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autoclass_content = "both"  # a C++-bound class's constructor signature is in its __init__ docstring
autodoc_inherit_docstrings = False  # torch.nn.Module.forward's generic text would stand in for ours

coverage_show_missing_items = True
coverage_write_headline = False  # python.txt stays empty unless something is undocumented

# The public modules: each page documents one; the package page also lists the names the package
# re-exports from the C++ extension tangle._tangle (a private module).
PUBLIC_MODULES = ["tangle", "tangle.circuit", "tangle.readouts", "tangle.layer", "tangle.qkan", "tangle.algo",
                  "tangle.datasets"]

logger = logging.getLogger(__name__)

# pybind11 writes each C++-bound function's signature at the top of its docstring:
# "name(self: tangle._tangle.T, x: int) -> R"; for overloads "name(*args, **kwargs)", then
# "Overloaded function." and "1. name(...) -> R" before each overload's own text. Properties get
# "(self: T) -> R". autodoc takes the first signature for the heading; the hooks below turn the
# overloads into readable lines, drop the rest, and show types as the package names them.
_SIGNATURE = re.compile(r"^\s*(\w+)?\(.*\)(\s*->\s*.+)?\s*$")
_OVERLOAD = re.compile(r"^\s*\d+\.\s+(\w+)\((.*)\)(\s*->\s*(.+))?\s*$")
_SELF = re.compile(r"^self(:\s*[\w.]+)?(,\s*)?")


def _readable(text):
    return text.replace("tangle._tangle.", "tangle.").replace("tangle::", "tangle.")


def _from_cpp(obj):
    """True for what pybind11 made: C++-bound classes, functions, methods and properties."""
    target = getattr(obj, "fget", obj)
    return getattr(target, "__module__", None) == "tangle._tangle" or inspect.isbuiltin(target)


# Whether each documented public object has any text of its own. Decided once every docstring is
# read: a class brings two (its own and its constructor's), each processed on its own.
_has_text = {}


def _process_docstring(app, what, name, obj, options, lines):
    """Records whether a public object's docstring has text; for C++-bound ones, first removes
    what pybind11 wrote (the signature line, "Overloaded function.") and shows each overload's
    signature as a line of its own."""
    prose = []
    if _from_cpp(obj):
        if lines and _SIGNATURE.match(lines[0]):
            del lines[0]
        kept = []
        for line in lines:
            overload = _OVERLOAD.match(line)
            if overload:
                func, args, _, ret = overload.groups()
                func = name.rpartition(".")[2] if func == "__init__" else func
                shown = f"``{func}({_readable(_SELF.sub('', args))})``"
                kept.append(shown + (f" -> ``{_readable(ret)}``" if ret and ret != "None" else ""))
            elif line.strip() != "Overloaded function.":
                kept.append(line)
                prose.append(line)
        while kept and not kept[0].strip():
            kept.pop(0)
        lines[:] = kept
    else:
        prose = lines
    if name.startswith("tangle."):
        key = (name, what)
        _has_text[key] = _has_text.get(key, False) or any(line.strip() for line in prose)


def _process_signature(app, what, name, obj, options, signature, return_annotation):
    if not signature or not _from_cpp(obj):
        return None
    if signature == "(*args, **kwargs)":
        return "(...)", None  # overloaded: the docstring lists each signature
    return "(" + _readable(_SELF.sub("", signature[1:])), _readable(return_annotation or "") or None


def _check_public_names(app, env):
    """Every public function and class of a public module, defined there or bound in C++, is in the
    reference under some name (coverage sees only those whose __module__ is the module itself);
    and every property of those classes has a docstring (autodoc leaves a property without one
    out, and coverage does not look at properties). Also reports what _process_docstring found
    without text."""
    for (name, what), has_text in sorted(_has_text.items()):
        if not has_text:
            logger.warning("undocumented public name: %s (%s)", name, what)
    documented = set()
    for full in env.domaindata["py"]["objects"]:
        module, _, attr = full.rpartition(".")
        if not module:
            continue  # the package itself
        try:
            documented.add(id(getattr(importlib.import_module(module), attr)))
        except (ImportError, AttributeError):
            pass  # a method or attribute: checked through its class
    classes = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for attr, obj in vars(module).items():
            if attr.startswith("_") or inspect.ismodule(obj) or not callable(obj):
                continue
            if getattr(obj, "__module__", None) not in (module_name, "tangle._tangle"):
                continue  # imported from another module of the package: checked there
            if id(obj) not in documented:
                logger.warning("public name %s.%s is not in the API reference", module_name, attr)
            if inspect.isclass(obj):
                classes.setdefault(id(obj), (f"{module_name}.{attr}", obj))
    for name, cls in classes.values():
        for base in cls.__mro__:
            if not base.__module__.startswith("tangle"):
                continue  # torch.nn.Module, pybind11's base: not ours to document
            for member, value in vars(base).items():
                if isinstance(value, property) and not member.startswith("_") and not (value.__doc__ or "").strip():
                    logger.warning("undocumented public name: %s.%s (property)", name, member)


def setup(app):
    app.connect("autodoc-process-docstring", _process_docstring)
    app.connect("autodoc-process-signature", _process_signature)
    app.connect("env-check-consistency", _check_public_names)
