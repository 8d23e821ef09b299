"""
This example demonstrates how to upload files from a URL directly to AWS S3 using Blazeio's built-in AWS S3 module for authenticated request signing.
"""
# The product document's third example. Its text lost its indentation, which is restored here;
# the only change is the source URL, taken from the command line (python s3_upload.py URL).
# The S3 endpoint comes from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL when set (any S3-compatible server).
import sys
import Blazeio as io
import Blazeio.Other.aws_s3 as aws_s3 # Import Blazeio AWS S3 module for authenticated requests
# Enable line number tracking in Blazeio logger for better debugging
io.plog.track_lineno = True
# AWS S3 Configuration - supports both environment variables and hardcoded values
if (aws_s3_config := io.environ.get("aws_s3_config", None)):
    # Load configuration from environment variable if available
    aws_s3_config = io.ddict(io.loads(aws_s3_config))
else:
    # Fallback to hardcoded configuration (use environment variables in production)
    aws_s3_config = io.ddict(
        aws_bucket="your-bucket-name",
        aws_region="us-east-1",
        aws_key="your-access-key",
        aws_secret="your-secret-key"
    )
# Initialize the Blazeio AWS S3 module for signing authenticated requests
s3 = aws_s3.S3(
    aws_s3_config.aws_bucket,
    aws_s3_config.aws_region,
    aws_s3_config.aws_key,
    aws_s3_config.aws_secret
)
class Main:
    """Main application class handling file uploads to AWS S3"""
    __slots__ = ("root",) # Memory optimization
    def __init__(app, root: str):
        """
        Initialize the application
        Args:
        root: Root directory path in S3 bucket where files will be uploaded
        """
        io.set_from_args(app, locals(), (str,)) # Set and validate argument types
    async def main(app, *args, **kwargs):
        """
        Main entry point wrapped in exception handler
        Returns:
        Result of the upload operation
        """
        async with io.Ehandler(): # Automatic exception logging and handling
            return await app.upload(*args, **kwargs)
    async def upload(app, url: str):
        """
        Upload a file from URL directly to AWS S3
        Args:
        url: Source URL of the file to upload
        Raises:
        io.Err: If file metadata extraction fails or file is invalid
        """
        # Step 1: Extract file metadata from source URL
        await io.plog.blue("Extracting file metadata from source URL...")
        async with io.getSession.head(
            url,
            io.Rvtools.headers,
            follow_redirects=True
        ) as file:
            if not file.ok():
                raise io.Err(f"Failed to extract file metadata: Status {file.status_code}, Reason: {file.reason_phrase}")
            if not file.content_length:
                raise io.Err("File must have the Content-Length HTTP header")
            # Extract filename from URL or headers
            filename = file.get_filename() or io.path.basename(file.path)
            await io.plog.cyan("File metadata extracted successfully", io.ddict(
                filename=filename,
                content_type=file.content_type,
                content_length=file.content_length,
                source_url=url
            ))
        # Step 2: Prepare S3 upload with authenticated request
        s3_object_path = f"{app.root}/{io.Request.url_encode(filename)}"
        await io.plog.magenta("Preparing S3 upload with authenticated request...")
        async with io.getSession(
            **s3.authorize(s3_object_path, {
                "content-type": file.content_type,
                "content-length": file.content_length,
                "content-disposition": f'{"inline" if file.content_type != "application/octet-stream" else "attachment"}; filename="{io.Request.url_encode(filename)}"',
            })
        ) as uploader, io.getSession.get(url, io.Rvtools.headers) as file_stream:
            # Log upload initialization
            await io.plog.yellow("Starting file upload to S3", io.anydumps(io.ddict(
                filename=filename,
                s3_path=uploader.path,
                target_bucket=aws_s3_config.aws_bucket
            ), indent=2))
            # Step 3: Stream file from source to S3 with progress tracking
            start_time = io.perf_counter()
            transferred_data = 0
            await io.plog.blue("Streaming file data to AWS S3...")
            # Disable line tracking during upload to reduce log noise
            io.plog.track_lineno = False
            async for chunk in file_stream:
                # Write chunk to S3
                await uploader.write(chunk)
                transferred_data += len(chunk)
                # Calculate and log progress
                progress_percent = (file_stream.received_len / file_stream.content_length) * 100
                elapsed_time = io.perf_counter() - start_time
                transfer_rate = (transferred_data / (1024 ** 2)) / elapsed_time if elapsed_time > 0 else 0
                await io.plog.yellow(
                    f"<line_{io.plog.lineno}>",
                    "Upload Progress",
                    f"Progress: {progress_percent:.2f}%",
                    f"Transfer Rate: {transfer_rate:.2f} MB/s"
                )
            # Step 4: Finalize the upload
            await io.plog.green("Finalizing upload...")
            await uploader.prepare_http()
            # Log upload completion details
            await io.plog.green("Upload completed successfully!", io.anydumps(io.ddict(
                status_code=uploader.status_code,
                reason=uploader.reason_phrase,
                headers=dict(uploader.headers),
                response_data=await uploader.text()
            ), indent=2))
        # Step 5: Verify the uploaded file by making a HEAD request
        await io.plog.blue("Verifying uploaded file...")
        async with io.getSession.head(s3.url(uploader.path), io.Rvtools.headers) as verification:
            await io.plog.green("File verification completed", io.anydumps(io.ddict(
                status_code=verification.status_code,
                reason=verification.reason_phrase,
                headers=dict(verification.headers),
                verification_data=await verification.text()
            ), indent=2))
if __name__ == "__main__":
    """
    Example usage: Upload a sample video file to S3
    """
    # Initialize the application with S3 path and start the upload
    io.ioConf.run(
        Main("/app/files/uploads").main(
            sys.argv[1]
        )
    )
