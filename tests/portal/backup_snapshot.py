"""What a backup must keep, as JSON: the backup tests compare it before the backup and after the restore (the
latter in a `manage.py shell` of the restored database)."""

import hashlib
import json

from results.models import AwardList, Result
from submissions.models import EntryFile


def snapshot() -> str:
    """What must survive a backup: every result with its protocol, the users' log-ins and the files' bytes."""
    from django.contrib.auth import get_user_model

    from results.models import Publication, PublishedResult
    from results.protocols import protocols

    results = list(Result.objects.select_related("entry"))
    protocol = protocols(results)  # built from the restored sheets

    def sha(field):
        with field.open("rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()

    return json.dumps(
        {
            "results": sorted(
                [r.entry.title, str(r.final_score), r.rank, r.grade, r.ranked, protocol[r.entry_id]] for r in results
            ),
            "published": sorted(
                [p.publication.version, p.title, str(p.final_score), p.rank, p.grade]
                for p in PublishedResult.objects.select_related("publication")
            ),
            "publications": sorted([p.version, p.reason] for p in Publication.objects.all()),
            "users": sorted([u.email, u.password, u.role] for u in get_user_model().objects.all()),
            "files": sorted([f.original_name, f.file.name, sha(f.file)] for f in EntryFile.objects.all()),
            "award_lists": sorted([a.file.name, sha(a.file)] for a in AwardList.objects.exclude(file="")),
        },
        ensure_ascii=False,
        sort_keys=True,
    )
