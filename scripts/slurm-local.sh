#!/usr/bin/env bash
# A one-node SLURM cluster on this machine (Debian slurm-wlm + munge), for developers and
# for the tests of `ptyxanes submit --scheduler slurm`:
#   scripts/slurm-local.sh start    munged, slurmctld, slurmd; waits until the node is idle
#   scripts/slurm-local.sh stop     stops what `start` started (by its pid files)
#   scripts/slurm-local.sh status   prints sinfo, or says it is not running
# No systemd needed. Runs as root (or through sudo). State, spool, logs and pid files live in
# $PTYXANES_SLURM_DIR (default /tmp/ptyxanes-slurm); the configuration is /etc/slurm/slurm.conf,
# written only when absent or written by this script (a real cluster's file is never touched).
# Packages: scripts/setup-system.sh with WITH_SLURM=1 installs slurm-wlm and munge.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
DIR="${PTYXANES_SLURM_DIR:-/tmp/ptyxanes-slurm}"
CONF=/etc/slurm/slurm.conf
MARK="# written by ptyxanes scripts/slurm-local.sh"
MUNGE_PID=/run/munge/munged.pid

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
sb() { if command -v "$1" >/dev/null 2>&1; then command -v "$1"; else echo "/usr/sbin/$1"; fi; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

node_idle() { sinfo --noheader --format=%T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; }

write_conf() {
  if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    echo "slurm-local: $CONF exists and was not written by this script; leaving it (and its cluster) alone" >&2
    return 0
  fi
  local host cpus memkb mem
  host=$(hostname -s)
  cpus=$(nproc --all)
  memkb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
  mem=$(( memkb * 9 / 10 / 1024 ))
  $SUDO mkdir -p /etc/slurm "$DIR"/{state,spool,log}
  $SUDO tee "$CONF" >/dev/null <<EOF
$MARK (one-node test cluster; state under $DIR)
ClusterName=ptyxanes-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=30
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
  if [ ! -s /etc/munge/munge.key ]; then
    $SUDO sh -c 'umask 077; dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null'
    $SUDO chown munge:munge /etc/munge/munge.key
  fi
  $SUDO mkdir -p /run/munge /var/log/munge /var/lib/munge
  $SUDO chown munge:munge /run/munge /var/log/munge /var/lib/munge
  $SUDO chmod 0755 /run/munge
  $SUDO runuser -u munge -- "$(sb munged)" --pid-file="$MUNGE_PID"
  touch "$DIR/munged.started-here" 2>/dev/null || $SUDO touch "$DIR/munged.started-here"
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "slurm-local: munged did not start (see /var/log/munge/munged.log)" >&2
  return 1
}

start() {
  if ! have slurmctld || ! have munged; then
    echo "slurm-local: slurmctld/munged not installed; install them with: WITH_SLURM=1 bash scripts/setup-system.sh (Debian packages slurm-wlm, munge)" >&2
    exit 1
  fi
  $SUDO mkdir -p "$DIR"/{state,spool,log}
  start_munge
  write_conf
  alive "$DIR/slurmctld.pid" || $SUDO "$(sb slurmctld)" -f "$CONF"
  alive "$DIR/slurmd.pid" || $SUDO "$(sb slurmd)" -f "$CONF"
  for _ in $(seq 120); do
    if node_idle; then
      echo "slurm-local: one-node cluster up ($(sinfo --noheader --format='%P %D node %c CPUs %m MB %T' | head -1))"
      return 0
    fi
    # A node left DOWN by an earlier stop comes back (ReturnToService=2 covers the usual case).
    $SUDO scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true
    sleep 0.5
  done
  echo "slurm-local: the node did not become idle within 60 s; logs in $DIR/log" >&2
  sinfo >&2 || true
  exit 1
}

stop() {
  local f
  for f in "$DIR/slurmd.pid" "$DIR/slurmctld.pid"; do
    if alive "$f"; then $SUDO kill "$(cat "$f")"; fi
  done
  for _ in $(seq 50); do alive "$DIR/slurmd.pid" || alive "$DIR/slurmctld.pid" || break; sleep 0.1; done
  if [ -f "$DIR/munged.started-here" ] && alive "$MUNGE_PID"; then
    $SUDO kill "$(cat "$MUNGE_PID")"
    rm -f "$DIR/munged.started-here"
  fi
  echo "slurm-local: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if node_idle; then sinfo; else echo "slurm-local: not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
