"""Deterministic demo data with planted truths; see :mod:`cxroi.demo.generator`."""

from cxroi.demo._truths import DemoTruths
from cxroi.demo.generator import generate_demo

__all__ = ["DemoTruths", "generate_demo"]
