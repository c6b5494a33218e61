#!/usr/bin/python3
"""Writes src/sim/data/scattering-factors.json: anomalous atomic scattering factors
f' (f1 - Z) and f'' (f2) of Li, Ni, Mn, Co, O from the Chantler tables (NIST FFAST,
Chantler 1995/2000) as shipped by xraydb, over the Ni K-edge region.

Run once (Debian: apt-get install python3-xraydb; then /usr/bin/python3 this-script);
the output is committed so the simulator needs no Python. Ni is sampled at 1 eV (its
K edge lies in range); the other elements have no edge here and are sampled at 10 eV.
"""
import json, os
import numpy as np
import xraydb

START_EV, STOP_EV = 7900.0, 9000.0
STEPS_EV = {'Li': 10.0, 'Ni': 1.0, 'Mn': 10.0, 'Co': 10.0, 'O': 10.0}


def sig(x, digits=6):
    return [float(f'{v:.{digits}g}') for v in x]


elements = {}
for el, step in STEPS_EV.items():
    e = np.arange(START_EV, STOP_EV + step / 2, step)
    elements[el] = {
        'Z': int(xraydb.atomic_number(el)),
        'molarMassGPerMol': float(xraydb.atomic_mass(el)),
        'startEv': START_EV,
        'stepEv': step,
        'fPrime': sig(xraydb.f1_chantler(el, e)),
        'f2': sig(xraydb.f2_chantler(el, e)),
    }

table = {
    'source': 'Chantler, C.T., J. Phys. Chem. Ref. Data 29, 597 (2000) and 24, 71 (1995) '
              '(NIST FFAST), via xraydb %s (f1_chantler, f2_chantler)' % xraydb.__version__,
    'generator': 'scripts/make-scattering-table.py',
    'units': "electrons per atom; fPrime is the anomalous part: total f1 = Z + fPrime (forward scattering)",
    'niKEdgeEv': float(xraydb.xray_edge('Ni', 'K').energy),
    'elements': elements,
}
out = os.path.join(os.path.dirname(__file__), '..', 'src', 'sim', 'data', 'scattering-factors.json')
with open(out, 'w') as fh:
    json.dump(table, fh, separators=(',', ':'))
    fh.write('\n')
print('wrote', os.path.normpath(out))
