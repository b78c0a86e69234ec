"""The hub's object storage: any S3-compatible service (MinIO, Ceph RGW, SeaweedFS, a cloud bucket).

Photos and certificate PDFs live there, not in PostgreSQL, which keeps only their index
(station.sync.hub.models.HubBlob). Keys, under the optional hub.s3_prefix:
  blobs/<sha256>                      a finished, checked blob
  uploads/<station>/<sha256>          one station's multipart upload, until it is checked
  uploads/<station>/<sha256>.tail     the bytes of that upload not yet in a part (S3 parts are >= 5 MiB)
Unfinished uploads are aborted by the hub's own sweep (blobstore.expire_uploads), and a
lifecycle rule on uploads/ does the same where the service supports one.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from station.config import Config

log = logging.getLogger(__name__)
PART_MIN = 5 * 1024 * 1024  # S3's smallest part (all but the last)
READ_BLOCK = 1024 * 1024
LIFECYCLE_ID = "triage-hub-abandoned-uploads"


class ObjectStoreUnavailable(Exception):
    """The object storage did not answer or failed; the station retries the blob later."""


@dataclass(frozen=True)
class S3Settings:
    endpoint: str
    bucket: str
    access_key: str = ""
    secret_key: str = ""
    region: str = "us-east-1"
    prefix: str = ""

    @classmethod
    def from_config(cls, config: Config) -> S3Settings | None:
        """The hub.s3_* settings of hub.toml; None when no object storage is configured."""
        endpoint, bucket = config.get_str("hub.s3_endpoint"), config.get_str("hub.s3_bucket")
        if not endpoint or not bucket:
            return None
        prefix = config.get_str("hub.s3_prefix").strip("/")
        return cls(endpoint, bucket, config.get_str("hub.s3_access_key"), config.get_str("hub.s3_secret_key"),
                   config.get_str("hub.s3_region") or "us-east-1", prefix + "/" if prefix else "")

    def __repr__(self) -> str:  # never the secret
        return f"S3Settings({self.endpoint}, bucket={self.bucket!r}, prefix={self.prefix!r})"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _missing(exc: ClientError) -> bool:
    return _code(exc) in ("404", "NoSuchKey", "NotFound", "NoSuchUpload", "NoSuchBucket")


class ObjectStore:
    """Blocking calls on one bucket; boto3's client is thread-safe, so one serves every request."""

    def __init__(self, settings: S3Settings) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        self._s3 = boto3.client(
            "s3", endpoint_url=settings.endpoint, region_name=settings.region,
            aws_access_key_id=settings.access_key or None, aws_secret_access_key=settings.secret_key or None,
            config=BotoConfig(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"},
                              connect_timeout=5, read_timeout=60, max_pool_connections=32))

    def __repr__(self) -> str:
        return f"ObjectStore({self.settings!r})"

    # keys
    def final(self, sha256: str) -> str:
        return f"{self.settings.prefix}blobs/{sha256}"

    def staging(self, station: str, sha256: str) -> str:
        return f"{self.settings.prefix}uploads/{quote(station, safe='')}/{sha256}"

    def tail(self, station: str, sha256: str) -> str:
        return self.staging(station, sha256) + ".tail"

    def _call(self, op: str, **kw: Any) -> Any:
        try:
            return getattr(self._s3, op)(Bucket=self.bucket, **kw)
        except ClientError as exc:
            if _missing(exc):
                raise
            raise ObjectStoreUnavailable(f"{op}: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise ObjectStoreUnavailable(f"{op}: {exc}") from exc

    def prepare(self, abandon_after_days: int = 1) -> None:
        """Make the bucket if it is missing and ask the service to abort uploads left alone (best effort)."""
        try:
            self._call("head_bucket")
        except ClientError:
            self._call("create_bucket")
        prefix = f"{self.settings.prefix}uploads/"
        try:  # merged with the bucket's own rules: a shared production bucket keeps them
            rules = [r for r in self._s3.get_bucket_lifecycle_configuration(Bucket=self.bucket).get("Rules", [])
                     if r.get("ID") != LIFECYCLE_ID]
        except ClientError:
            rules = []
        rules.append({"ID": LIFECYCLE_ID, "Status": "Enabled", "Filter": {"Prefix": prefix},
                      "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": abandon_after_days},
                      "Expiration": {"Days": abandon_after_days + 1}})
        try:
            self._s3.put_bucket_lifecycle_configuration(Bucket=self.bucket, LifecycleConfiguration={"Rules": rules})
        except (ClientError, BotoCoreError) as exc:  # the hub's own sweep still aborts them
            log.info("hub: the object storage takes no lifecycle rule (%s); the hub aborts stale uploads itself", exc)

    # whole objects
    def put(self, key: str, data: bytes) -> None:
        self._call("put_object", Key=key, Body=data)

    def get(self, key: str) -> bytes:
        return bytes(self._call("get_object", Key=key)["Body"].read())

    def size(self, key: str) -> int | None:
        try:
            return int(self._call("head_object", Key=key)["ContentLength"])
        except ClientError:
            return None

    def read(self, key: str) -> Iterator[bytes]:
        body = self._call("get_object", Key=key)["Body"]
        try:
            yield from body.iter_chunks(READ_BLOCK)
        finally:
            body.close()

    def delete(self, key: str) -> None:
        with contextlib.suppress(ClientError):  # already gone is what was asked
            self._call("delete_object", Key=key)

    def copy(self, src: str, dst: str) -> None:
        """Server-side: no byte passes through the hub."""
        try:
            self._s3.copy({"Bucket": self.bucket, "Key": src}, self.bucket, dst)
        except (ClientError, BotoCoreError) as exc:
            raise ObjectStoreUnavailable(f"copy: {exc}") from exc

    # multipart
    def start(self, key: str) -> str:
        return str(self._call("create_multipart_upload", Key=key)["UploadId"])

    def part(self, key: str, upload_id: str, number: int, data: bytes) -> None:
        self._call("upload_part", Key=key, UploadId=upload_id, PartNumber=number, Body=data)

    def finish(self, key: str, upload_id: str) -> None:
        parts = self._call("list_parts", Key=key, UploadId=upload_id, MaxParts=10000).get("Parts", [])
        self._call("complete_multipart_upload", Key=key, UploadId=upload_id, MultipartUpload={
            "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]})

    def abort(self, key: str, upload_id: str) -> None:
        with contextlib.suppress(ClientError):
            self._call("abort_multipart_upload", Key=key, UploadId=upload_id)

    def uploads_started_before(self, when: datetime) -> list[tuple[str, str]]:
        """(key, upload id) of every multipart upload under uploads/ started before `when`."""
        found: list[tuple[str, str]] = []
        kw: dict[str, Any] = {"Prefix": f"{self.settings.prefix}uploads/"}
        while True:
            page = self._call("list_multipart_uploads", **kw)
            found += [(u["Key"], u["UploadId"]) for u in page.get("Uploads", []) if u["Initiated"] < when]
            if not page.get("IsTruncated"):
                return found
            kw.update(KeyMarker=page.get("NextKeyMarker", ""), UploadIdMarker=page.get("NextUploadIdMarker", ""))
