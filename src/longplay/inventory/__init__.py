"""The inventory: which hosts exist, how they are grouped, and their variables.

Typical use::

    inventory = load_inventory(["hosts.ini", "extra/"])
    for host in inventory.select("web:&prod", limit="@retry.txt"):
        layers = inventory.host_var_layers(host, playbook_dirs=["site/"])

With no sources only the implicit ``localhost`` exists, and (as in the
reference) it does not match ``all``, only ``localhost``/``127.0.0.1``.
"""

from __future__ import annotations

from longplay.inventory.core import AdjacentVars, Inventory, VarLayer, load_inventory
from longplay.inventory.ini import parse_ini_value
from longplay.inventory.model import (
    LOCALHOST_NAMES,
    ConnectionSettings,
    Group,
    GroupLoopError,
    Host,
    InventoryGraph,
)
from longplay.inventory.patterns import (
    HOST_ORDERS,
    HostPatternError,
    Selection,
    order_hosts,
    read_limit,
    split_host_pattern,
)
from longplay.inventory.ranges import (
    HostRangeError,
    expand_host_pattern,
    expand_host_range,
    split_host_port,
)
from longplay.inventory.sources import InventorySource
from longplay.inventory.vars_dirs import VarsDirectory, load_vars_file

__all__ = [
    "HOST_ORDERS",
    "LOCALHOST_NAMES",
    "AdjacentVars",
    "ConnectionSettings",
    "Group",
    "GroupLoopError",
    "Host",
    "HostPatternError",
    "HostRangeError",
    "Inventory",
    "InventoryGraph",
    "InventorySource",
    "Selection",
    "VarLayer",
    "VarsDirectory",
    "expand_host_pattern",
    "expand_host_range",
    "load_inventory",
    "load_vars_file",
    "order_hosts",
    "parse_ini_value",
    "read_limit",
    "split_host_pattern",
    "split_host_port",
]
