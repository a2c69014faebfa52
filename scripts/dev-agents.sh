#!/bin/bash
# dev-agents.sh start|stop|status: the local dev agents the live cluster
# tests run against, on loopback, from binaries already on PATH:
#   consul   consul agent -dev                      127.0.0.1:8500
#   vault    bao (OpenBao) or vault server -dev, root token "root"
#                                                   127.0.0.1:8200
#   nomad    nomad agent -dev, raw_exec and docker plugins
#                                                   127.0.0.1:4646
#   docker   dockerd (overlay2, cgroupfs), only when no engine answers
#            already and this runs as root
# Each agent's PID and log are kept in $DEV_AGENTS_DIR (default
# /tmp/wa-dev-agents); stop kills exactly those PIDs. A missing binary is
# reported and skipped: the tests that need it skip too.
#
# Then, for the live tests:
#   eval "$(scripts/dev-agents.sh env)"
#   go test -run 'TestClusterNomad' -v ./cmd/gateway/
# docs/cluster.md says how to build the binaries from their public sources.
set -u
dir=${DEV_AGENTS_DIR:-/tmp/wa-dev-agents}
docker_sock=${DOCKER_SOCK:-/var/run/docker.sock}
mkdir -p "$dir"

running() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

# wait_for NAME URL: polls URL until it answers (30 s).
wait_for() {
	for _ in $(seq 1 150); do
		if curl -fsS -o /dev/null "$2" 2>/dev/null; then return 0; fi
		sleep 0.2
	done
	echo "dev-agents: $1 did not answer at $2 (log: $dir/$1.log)" >&2
	return 1
}

# launch NAME CMD...: starts CMD in the background, its PID in NAME.pid.
launch() {
	local name=$1
	shift
	if running "$name"; then
		echo "$name: already running (pid $(cat "$dir/$name.pid"))"
		return 0
	fi
	"$@" >"$dir/$name.log" 2>&1 &
	echo $! >"$dir/$name.pid"
	echo "$name: started (pid $!, log $dir/$name.log)"
}

start() {
	if ! docker -H "unix://$docker_sock" info >/dev/null 2>&1; then
		if command -v dockerd >/dev/null && [ "$(id -u)" = 0 ]; then
			launch docker dockerd --host "unix://$docker_sock" --storage-driver overlay2 \
				--exec-opt native.cgroupdriver=cgroupfs
			for _ in $(seq 1 100); do docker -H "unix://$docker_sock" info >/dev/null 2>&1 && break; sleep 0.2; done
		else
			echo "docker: no engine at $docker_sock and cannot start dockerd (not root or not installed: apt-get install docker.io)"
		fi
	else
		echo "docker: an engine answers at $docker_sock"
	fi
	if command -v consul >/dev/null; then
		launch consul consul agent -dev -bind 127.0.0.1 -client 127.0.0.1
		wait_for consul http://127.0.0.1:8500/v1/status/leader
	else
		echo "consul: not on PATH, skipped"
	fi
	local vault
	vault=$(command -v bao || command -v vault || true)
	if [ -n "$vault" ]; then
		launch vault "$vault" server -dev -dev-root-token-id root -dev-listen-address 127.0.0.1:8200
		wait_for vault http://127.0.0.1:8200/v1/sys/health
	else
		echo "vault: neither bao nor vault on PATH, skipped"
	fi
	if command -v nomad >/dev/null; then
		cat >"$dir/nomad.hcl" <<HCL
client {
  # Room for many test sessions on one dev node.
  reserved { disk = 0 }
}
plugin "raw_exec" {
  config { enabled = true }
}
plugin "docker" {
  config {
    endpoint = "unix://$docker_sock"
    # The tests build their images locally; nothing is pulled.
    gc { image = false }
  }
}
HCL
		launch nomad nomad agent -dev -bind 127.0.0.1 -network-interface lo -config "$dir/nomad.hcl" \
			-consul-address 127.0.0.1:8500
		wait_for nomad http://127.0.0.1:4646/v1/agent/health
		# The node's drivers come a moment after the agent answers.
		for _ in $(seq 1 100); do
			curl -fsS http://127.0.0.1:4646/v1/nodes?resources=false 2>/dev/null | grep -q '"Status":"ready"' && break
			sleep 0.2
		done
	else
		echo "nomad: not on PATH, skipped"
	fi
	status
}

stop() {
	local name
	for name in nomad vault consul docker; do
		if running "$name"; then
			kill "$(cat "$dir/$name.pid")" 2>/dev/null
			for _ in $(seq 1 100); do running "$name" || break; sleep 0.2; done
			running "$name" && kill -9 "$(cat "$dir/$name.pid")" 2>/dev/null
			echo "$name: stopped"
		fi
		rm -f "$dir/$name.pid"
	done
}

status() {
	local name
	for name in docker consul vault nomad; do
		if running "$name"; then echo "$name: running (pid $(cat "$dir/$name.pid"))"; fi
	done
	if command -v nomad >/dev/null && curl -fsS http://127.0.0.1:4646/v1/nodes >/dev/null 2>&1; then
		echo "nomad drivers: $(curl -fsS 'http://127.0.0.1:4646/v1/nodes' | python3 -c 'import json,sys; n=json.load(sys.stdin)[0]; print(" ".join(sorted(k for k,v in n["Drivers"].items() if v["Healthy"])))' 2>/dev/null)"
	fi
}

# env prints the test variables for what answers.
env_vars() {
	curl -fsS -o /dev/null http://127.0.0.1:4646/v1/agent/health 2>/dev/null && echo "export TEST_NOMAD_ADDR=http://127.0.0.1:4646"
	curl -fsS -o /dev/null http://127.0.0.1:8500/v1/status/leader 2>/dev/null && echo "export TEST_CONSUL_ADDR=127.0.0.1:8500"
	curl -fsS -o /dev/null http://127.0.0.1:8200/v1/sys/health 2>/dev/null && echo "export TEST_VAULT_ADDR=http://127.0.0.1:8200 TEST_VAULT_TOKEN=root"
	docker -H "unix://$docker_sock" info >/dev/null 2>&1 && echo "export TEST_DOCKER_HOST=unix://$docker_sock"
	return 0
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) status ;;
env) env_vars ;;
*) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
