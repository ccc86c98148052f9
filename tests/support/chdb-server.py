# Starts a real ClickHouse server (HTTP + native TCP listeners on 127.0.0.1) from the libchdb.so that the
# chdb npm package ships. For tests, benchmarks and development only: one user, no password, loopback only.
# Usage: python3 chdb-server.py LIB HTTP_PORT TCP_PORT DATA_DIR [CONFIG_XML]
# Stops when its standard input closes (or on SIGTERM). Recipe: shared/notes/clickhouse-server-from-chdb.md
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1], mode=ctypes.RTLD_GLOBAL)
lib.chdb_query_cmdline.restype = ctypes.c_void_p
lib.chdb_result_error.restype = ctypes.c_char_p
lib.chdb_result_error.argtypes = [ctypes.c_void_p]
args = [b"clickhouse", b"--http_port=" + sys.argv[2].encode(), b"--tcp_port=" + sys.argv[3].encode(),
        b"--listen_host=127.0.0.1", b"--path=" + sys.argv[4].encode()]
if len(sys.argv) > 5:
    args.append(b"--config-file=" + sys.argv[5].encode())
args += [b"--query", b"SYSTEM START LISTEN HTTP; SYSTEM START LISTEN TCP; "
         b"SELECT count() FROM file('stdin', LineAsString) FORMAT Null"]
argv = (ctypes.c_char_p * len(args))(*args)
err = lib.chdb_result_error(lib.chdb_query_cmdline(len(args), argv))
if err:
    sys.stderr.write(err.decode() + "\n"); sys.exit(3)
