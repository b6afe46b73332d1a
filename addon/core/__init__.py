"""Pure-Python heart of Media Fill, as packages in a layer order (lowest first; each imports only
from itself and the packages before it, and a test enforces it):

base -> media -> text -> config -> resilience -> state -> job -> provider_system -> engine

See ``README.md`` beside this file. Nothing in this package imports ``anki`` or ``aqt``, nor the
add-on's providers, collection or UI.
"""
