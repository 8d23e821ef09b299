"""
Blazeio WebRTC-like Signaling Server Example
This example demonstrates a peer-to-peer signaling server that allows clients
to create "rooms" and establish direct connections through chunked transfer encoding.
It includes built-in performance testing capabilities.
"""
# The product document's second example, unchanged: its text lost its indentation, which is
# restored here; every statement, comment and docstring is as written. ``python signaling.py
# -test`` runs the built-in load test (BLAZEIO_HOST / BLAZEIO_PORT change where it listens).
import Blazeio as io
import Blazeio.Other.class_parser as class_parser
import Blazeio.Other.crypto as crypto # Blazeio XOR cipher for room encryption
# Initialize web server with keepalive support
web = io.App("0.0.0.0", 3002, with_keepalive=1)
# Configure chunk sizes for optimal streaming performance
io.INBOUND_CHUNK_SIZE, io.OUTBOUND_CHUNK_SIZE = 1024 * 100, 1024 * 100
# Global database for room management and crypto operations
db = io.ddict(
    rooms=io.ddict(), # Active rooms storage
    cipher=crypto.Ciphen(io.environ.get("hash", io.token_urlsafe(11))) # XOR cipher for room ID encryption
)
class User:
    """
    Represents a user connection in a peer-to-peer room.
    Manages connection state, data streaming, and peer synchronization.
    """
    __slots__ = ("room", "wake_up", "r", "on_close", "remote")
    def __init__(app, r, room):
        """
        Initialize a user connection.
        Args:
        r: Request protocol object
        room: Room identifier or remote user object
        """
        app.room = room
        app.r = r # Request protocol
        app.wake_up = io.SharpEvent() # Event to signal peer connection
        app.on_close = io.SharpEvent() # Event to signal connection closure
        app.remote = None # Reference to connected peer
        # Register in rooms database if this is the first user
        if not isinstance(app.room, User):
            db.rooms[app.room] = app
        else:
            # Connect two users as peers
            app.room.remote, app.remote = app, app.room
            app.remote.wake_up.set() # Notify the waiting peer
    def __await__(app):
        """Allow awaiting for peer connection."""
        _ = yield from app.wake_up.wait_clear().__await__()
        return _
    def clean(app):
        """Clean up room registration when user disconnects."""
        if app.room in db.rooms:
            db.rooms.pop(app.room)
        app.on_close.set()
    def __aiter__(app):
        """Make user iterable for streaming data from remote peer."""
        return app.remote.r.pull()
    async def __aenter__(app):
        """Context manager entry."""
        return app
    async def __aexit__(app, *args):
        """Context manager exit - cleanup resources."""
        await app.r.eof() # End of file for the connection
        app.on_close.set()
        # Only clean room if this was the room creator
        if not isinstance(app.room, User):
            app.clean()
        return False
@web.attach
class Server:
    """
    Main server class handling room creation and joining operations.
    """
    __slots__ = ()
    def __init__(app):
        """Server initialization."""
        ...
    async def _app_room_create(app, r: io.BlazeioProtocol):
        """
        Create a new room and wait for a peer to join.
        Args:
        r: Request protocol object
        """
        # Generate encrypted room ID from client IP:port
        client_identifier = f"{r.ip_host}:{int(r.ip_port)}".encode()
        encrypted_id = db.cipher.encrypt(client_identifier)
        room = io.urlsafe_b64encode(encrypted_id).decode()
        await io.plog.cyan(f"{r.method} @ {r.tail}", room)
        # Create user context for room management
        async with User(r, room) as user:
            # Send immediate response headers with room ID
            await r.prepare({
                "Content-type": r.headers.get("Content-type"),
                "room": user.room,
                **io.Ctypes.chunked
            }, 200)
            # Wait for a peer to join the room
            await user
            # Stream data from peer to this client
            async for chunk in user:
                await r.write(chunk)
    async def _app_room_join(app, r: io.BlazeioProtocol):
        """
        Join an existing room and connect to the room creator.
        Args:
        r: Request protocol object
        Raises:
        io.Abort: If room is invalid or not found
        """
        # Validate room parameter
        if not (room_id := r.params().get("room")):
            raise io.Abort("room parameter is required!", 403)
        # Check if room exists
        if not (room := db.rooms.get(room_id)):
            raise io.Abort("room not found", 404)
        # Join the room as peer
        async with User(r, room) as user:
            # Send response headers
            await r.prepare({
                "Content-type": r.headers.get("Content-type"),
                "room": user.room,
                **io.Ctypes.chunked
            }, 200)
            # Stream data from peer to this client
            async for chunk in user:
                await r.write(chunk)
class Main:
    """
    Performance testing client for the signaling server.
    Creates multiple client pairs to test room creation and data transfer performance.
    """
    __slots__ = ("payload_size", "chunk_range", "concurrency", "test", "payload")
    task_serializer = io.SharpEvent() # Synchronize task startup
    headers = {
        "Content-type": "text/plain",
        "Transfer-encoding": "chunked"
    }
    def __init__(app,
        payload_size: (int, io.Utype) = 1024 * 100,
        chunk_range: (int, io.Utype) = 100,
        concurrency: (int, io.Utype) = 10,
        test: (int, io.Utype, class_parser.Store) = 0):
        """
        Initialize performance test parameters.
        Args:
        payload_size: Size of each data chunk in bytes
        chunk_range: Number of chunks to send per connection
        concurrency: Number of concurrent client pairs to test
        test: Whether to run performance tests
        """
        io.set_from_args(app, locals(), (io.Utype, io.Unone))
        app.payload = b"." * app.payload_size # Test payload data
        # Start performance test runner if testing is enabled
        if app.test:
            io.create_task(app.runner())
    async def runner(app):
        """
        Main test runner - creates client pairs and measures performance.
        """
        await web # Wait for server to start
        async with io.Ehandler(ignore=io.CancelledError):
            # Create concurrent client tasks
            tasks = [io.create_task(app.client_create()) for _ in range(app.concurrency)]
            app.task_serializer.set() # Release all tasks simultaneously
            # Wait for all tests to complete
            results = await io.gather(*tasks)
            await io.plog.green("Performance test completed", io.dumps(results))
        await web.exit() # Shutdown server after tests
    async def client_create(app):
        """
        Create a room and act as the first peer in the connection.
        Returns:
        Performance analysis data
        """
        await app.task_serializer.wait() # Wait for synchronization
        async with io.getSession.post(
            web.server_address + "/app/room/create",
            app.headers
        ) as resp:
            await resp.prepare_http() # Receive response headers
            # Start the joining peer in parallel
            join_task = io.create_task(app.client_join(resp.headers.room))
            # Initialize performance tracking
            analysis = io.ddict(
                duration=io.perf_timing(), # Performance timer
                bytes_transferred=0,
                room=resp.headers.room
            )
            # Receive data from the joining peer
            async for chunk in resp:
                analysis.bytes_transferred += len(chunk)
            # Calculate performance metrics
            analysis.duration = analysis.duration().elapsed
            analysis.mb_transferred = float(analysis.bytes_transferred / (1024 ** 2))
            analysis.transfer_rate = float(analysis.mb_transferred / analysis.duration) if analysis.duration > 0 else 0
            # Send final performance data
            performance_data = {
                "duration": analysis.duration,
                "bytes_transferred": analysis.bytes_transferred,
                "room": analysis.room,
                "mb_transferred": analysis.mb_transferred,
                "transfer_rate": analysis.transfer_rate
            }
            await resp.eof(io.dumps(performance_data).encode())
            return await join_task
    async def client_join(app, room: str):
        """
        Join an existing room and send test data.
        Args:
        room: Room identifier to join
        Returns:
        Response data from the room creator
        """
        async with io.getSession.post(
            web.server_address + "/app/room/join",
            app.headers,
            params=io.ddict(room=room)
        ) as resp:
            # Send test payload in chunks
            for i in range(app.chunk_range):
                await resp.write(app.payload)
            await resp.eof() # Signal end of data
            return await resp.json()
if __name__ == "__main__":
    """
    Main entry point with command-line argument parsing.
    """
    # Parse command line arguments
    args = class_parser.Parser(Main, io.Utype).args()
    # Initialize main application with parsed arguments
    main_app = Main(**args)
    # Start the web server
    with web:
        web.runner()
