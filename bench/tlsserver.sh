# bench/tlsserver.sh - sourced by tlspar.sh and tlswhere.sh: nginx
# serving full TLS handshakes in parallel on loopback (2 workers, no
# session cache or tickets, an EC P-256 certificate for localhost), from
# the folder $W (its ng/ made by the caller).  Sets CA (the certificate to
# trust) and P (the port).
# shellcheck shell=bash
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	-keyout "$W/key.pem" -out "$W/cert.pem" 2>/dev/null
# shellcheck disable=SC2034  # the caller uses CA and P
CA=$W/cert.pem
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$W/ng/nginx.conf" <<EOF
worker_processes 2;
pid $W/ng/pid;
error_log $W/ng/error.log crit;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $W/ng;
	proxy_temp_path $W/ng;
	fastcgi_temp_path $W/ng;
	uwsgi_temp_path $W/ng;
	scgi_temp_path $W/ng;
	server {
		listen 127.0.0.1:$P ssl;
		ssl_certificate $W/cert.pem;
		ssl_certificate_key $W/key.pem;
		ssl_session_cache off;
		ssl_session_tickets off;
		return 204;
	}
}
EOF
nginx -p "$W/ng" -c "$W/ng/nginx.conf"
