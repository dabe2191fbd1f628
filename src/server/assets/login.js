'use strict';
(function () {
  const key = 'trendwatch-token';
  const refused = new URLSearchParams(location.search).has('token');
  if (refused) { sessionStorage.removeItem(key); return; }
  const kept = sessionStorage.getItem(key);
  if (kept) location.replace('/?token=' + encodeURIComponent(kept) + location.hash);
})();
