"""Documents to extracted facts: readers, language ID, normalization, gazetteer, rules, resolution."""
