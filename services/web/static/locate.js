// Progressive enhancement: the form works without this; with it, "use my location" fills lat/lon.
(function () {
  var btn = document.getElementById('use-location');
  var script = document.currentScript;
  if (!btn || !navigator.geolocation) return;
  btn.hidden = false;
  btn.addEventListener('click', function () {
    var status = document.getElementById('geo-status');
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById('lat').value = pos.coords.latitude.toFixed(6);
      document.getElementById('lon').value = pos.coords.longitude.toFixed(6);
      document.getElementById('accuracy_m').value = Math.round(pos.coords.accuracy);
      status.textContent = script.dataset.ok + ' (±' + Math.round(pos.coords.accuracy) + ' m)';
    }, function () { status.textContent = script.dataset.fail; }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
