"""The matched-schools study (Muijs 2015, ``data/muijs2015``): its published tables, its case studies,
and the re-run of its design: matching, two-level models, simulation and the replication that joins them."""
